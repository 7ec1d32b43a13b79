// Two gateways on one PostgreSQL and one Redis behave as one deployment behind a load balancer
// without sticky sessions: one OAuth sign-in (authorization code + PKCE) whose requests alternate
// between them (authorize at A, login at B, consent at A, token at B) succeeds; a replayed consent
// form is refused at the other replica (MCP security best practices: single-use consent state);
// a principal's request rate is one bucket for both, and so are failed sign-ins; with Redis
// stopped the sign-in pages answer 503 while MCP traffic with an existing token still flows, and
// once Redis is back the sign-in works again without a restart.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Agent, pkce, scrape } from './authserver_helpers.mjs';
import { Report, freePort, gatewayBin, root, startGateway, tempDir } from './lib.mjs';
import { startPostgres } from './support/postgres.mjs';
import { startRedis } from './support/redis.mjs';

const report = new Report('redis-shared-state');
let pg, redis;
try {
  pg = await startPostgres();
  redis = await startRedis();
} catch (e) {
  // Neither is optional: scripts/setup installs both.
  report.check(false, 'a private PostgreSQL and a private Redis start', e.message);
  pg?.stop();
  await redis?.close();
  report.finish();
}
const admin = (args, input) => spawnSync(gatewayBin, [...args, '--storage', pg.url], { input, encoding: 'utf8' });
const redirect = 'http://127.0.0.1:3000/callback';
const burst = 6;
const gateways = [];

// One public address (the load balancer's): one issuer, one resource; each replica on its own port.
const publicUrl = `http://127.0.0.1:${await freePort()}`;
const resource = `${publicUrl}/mcp`;
const config = `public_url: ${publicUrl}
redis:
  url: ${redis.url}
  connect_timeout_ms: 200
  command_timeout_ms: 500
  key_prefix: "it:"
limits:
  per_principal:
    requests_per_second: 0.01
    burst: ${burst}
authorization_server:
  storage: ${pg.url}
  allow_loopback_http: true
servers:
  - name: crm
    path: /mcp
    auth: { scopes_supported: [mcp:read] }
    upstreams:
      - name: recorder
        stdio:
          command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(join(root, 'tests/node/integration/support/recording_upstream.mjs'))}, ${JSON.stringify(join(tempDir(), 'upstream.log'))}]
          mode: shared
`;

const initialize = (origin, at) => fetch(`${origin}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${at}`,
  'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {},
    clientInfo: { name: 't', version: '1' } } }) }).then(async (r) => { await r.text(); return r.status; });

async function token(origin, fields) {
  const res = await fetch(`${origin}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'agent', resource, ...fields }).toString() });
  return { status: res.status, json: await res.json().catch(() => null) };
}

function authorizeQuery(challenge) {
  return new URLSearchParams({ response_type: 'code', client_id: 'agent', redirect_uri: redirect, state: 'st',
    code_challenge: challenge, code_challenge_method: 'S256', resource, scope: 'mcp:read', prompt: 'consent' });
}

// authorize at `first`, login at `second`, consent at `first`, token at `second`.
async function alternatingSignIn(first, second) {
  const agent = new Agent();
  const { verifier, challenge } = pkce();
  const login = await agent.get(`${first}/authorize?${authorizeQuery(challenge)}`);
  const consent = await agent.postForm(`${second}/authorize/login`, { request_id: scrape(login.body, 'request_id'),
    csrf_token: scrape(login.body, 'csrf_token'), username: 'alice', password: 'alice-password' });
  const form = { request_id: scrape(consent.body, 'request_id'), csrf_token: scrape(consent.body, 'csrf_token'), decision: 'approve' };
  const done = await agent.postForm(`${first}/authorize/consent`, form);
  const code = done.location ? new URL(done.location).searchParams.get('code') : null;
  const t = code ? await token(second, { grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier })
    : { status: 0, json: null };
  return { agent, form, statuses: `${login.status} ${consent.status} ${done.status} ${t.status}`, code, token: t };
}

try {
  report.check(admin(['users', 'add', 'alice', '--password-stdin'], 'alice-password\n').status === 0 &&
    admin(['users', 'add', 'bob', '--password-stdin'], 'bob-password\n').status === 0, 'mcpgate users add alice, bob');
  report.check(admin(['clients', 'add', 'agent', '--redirect-uri', redirect]).status === 0, 'mcpgate clients add agent');
  gateways.push(await startGateway(config), await startGateway(config));
  const [a, b] = gateways.map((g) => `http://127.0.0.1:${g.port}`);

  const first = await alternatingSignIn(a, b);
  report.check(first.token.status === 200 && first.token.json?.access_token,
    'a sign-in alternating between the replicas (authorize A, login B, consent A, token B) gets a token', first.statuses);

  // The same consent form again, at the other replica: the request was taken once, in Redis.
  const replay = await first.agent.postForm(`${b}/authorize/consent`, first.form);
  report.check(replay.status === 403 && !replay.location,
    'a replayed consent form is refused at the other replica and issues no code', `${replay.status} ${replay.location}`);

  // One bucket per principal for both replicas: `burst` requests pass, split over A and B, then 429.
  const at = first.token.json?.access_token;
  const statuses = [];
  for (let i = 0; i < burst + 2; ++i) statuses.push(await initialize(i % 2 ? b : a, at));
  const passed = statuses.filter((s) => s === 200).length;
  report.check(passed === burst && statuses.slice(burst).every((s) => s === 429),
    `a principal's rate limit is shared: ${burst} requests over two replicas pass, the next are refused`, statuses.join(' '));

  // Failed sign-ins count at every replica: 5 wrong passwords for bob spread over A and B, then the
  // right one is refused as limited (429) at either; without the shared count each replica would
  // allow 5 of its own.
  const guesser = new Agent();
  const form = await guesser.get(`${a}/authorize?${authorizeQuery(pkce().challenge)}`);
  const guess = (origin, password) => guesser.postForm(`${origin}/authorize/login`, { request_id: scrape(form.body, 'request_id'),
    csrf_token: scrape(form.body, 'csrf_token'), username: 'bob', password }).then((r) => r.status);
  const guesses = [];
  for (let i = 0; i < 5; ++i) guesses.push(await guess(i % 2 ? b : a, `wrong-${i}`));
  const limitedAt = [await guess(a, 'bob-password'), await guess(b, 'bob-password')];
  report.check(guesses.every((s) => s === 401) && limitedAt.every((s) => s === 429),
    'failed sign-ins are counted across replicas (5 over A and B, then 429 at both)', `${guesses.join(' ')} / ${limitedAt.join(' ')}`);

  await redis.stop();
  const down = new Agent();
  const page = await down.get(`${a}/authorize?${authorizeQuery(pkce().challenge)}`);
  report.check(page.status === 503 && !page.headers.get('set-cookie'),
    'with Redis stopped the authorization page answers 503 and hands out no session', `${page.status}`);
  const loginDown = await down.postForm(`${b}/authorize/login`, { request_id: 'x', csrf_token: 'y', username: 'alice', password: 'alice-password' });
  report.check(loginDown.status === 503 || loginDown.status === 403, 'with Redis stopped a login post signs nobody in', `${loginDown.status}`);
  // Rate limits fall back to each replica's own bucket: MCP traffic with a valid token flows.
  const during = [await initialize(a, at), await initialize(b, at)];
  report.check(during.every((s) => s === 200), 'with Redis stopped, MCP traffic with an existing token still flows', during.join(' '));

  await redis.restart();
  // The replicas reconnect on their next use after a backoff of at most 2 s: poll for a while.
  let again = null;
  for (const deadline = Date.now() + 8000; Date.now() < deadline;) {
    again = await alternatingSignIn(b, a);
    if (again.token.status === 200) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  report.check(again?.token.status === 200 && again.token.json?.access_token,
    'once Redis is back the sign-in works again without a restart', again?.statuses);
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  for (const g of gateways) await g.stop();
  pg.stop();
  await redis.close();
}
report.finish();

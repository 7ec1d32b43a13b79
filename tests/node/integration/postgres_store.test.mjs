// The embedded authorization server on `storage: postgres://…`, and two gateways on one database
// behaving as one authorization server: `mcpgate users add` / `clients add` against PostgreSQL, a
// full authorization-code flow with PKCE, a token refresh, then a refresh token rotated at one
// gateway is refused as reused at the other, and the family it belonged to is revoked everywhere
// (RFC 9700 §4.14.2, OAuth 2.1 §4.3.1). An access token revoked at one gateway (RFC 7009) is
// refused at the other within revocation_reload_seconds: each replica used to reload its revoked
// set only when it revoked something itself, so the other accepted the token until it expired.
import { spawnSync } from 'node:child_process';
import { Agent, pkce, scrape } from './authserver_helpers.mjs';
import { join } from 'node:path';
import { Report, freePort, gatewayBin, root, startGateway, tempDir } from './lib.mjs';
import { startPostgres } from './support/postgres.mjs';

const report = new Report('postgres-store');
let pg;
try {
  pg = await startPostgres();
} catch (e) {
  // No PostgreSQL is a failure, never a skip: scripts/setup installs it.
  report.check(false, 'a private PostgreSQL server starts', e.message);
  report.finish();
}
const storage = pg.url;
const admin = (args, input) => spawnSync(gatewayBin, [...args, '--storage', storage], { input, encoding: 'utf8' });
const redirect = 'http://127.0.0.1:3000/callback';
const gateways = [];
const reloadSeconds = 1;

// Both replicas answer for one public address (a load balancer's), so they are one issuer with
// one resource; each is reached here on its own port.
const publicUrl = `http://127.0.0.1:${await freePort()}`;
const resource = `${publicUrl}/mcp`;
const config = `public_url: ${publicUrl}
authorization_server:
  storage: ${storage}
  storage_pool_size: 4
  revocation_reload_seconds: ${reloadSeconds}
  allow_loopback_http: true
servers:
  - name: crm
    path: /mcp
    auth: { scopes_supported: [mcp:read] }
    upstreams:
      - name: recorder
        stdio: { command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(join(root, 'tests/node/integration/support/recording_upstream.mjs'))}, ${JSON.stringify(join(tempDir(), 'upstream.log'))}] }
`;

async function token(origin, fields) {
  const res = await fetch(`${origin}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'agent', resource, ...fields }).toString() });
  return { status: res.status, json: await res.json().catch(() => null) };
}
const refresh = (origin, rt) => token(origin, { grant_type: 'refresh_token', refresh_token: rt });

try {
  report.check(admin(['users', 'add', 'alice', '--password-stdin'], 'alice-password\n').status === 0,
    'mcpgate users add alice --storage postgres://… (the schema is created on first use)');
  report.check(admin(['clients', 'add', 'agent', '--redirect-uri', redirect]).status === 0, 'mcpgate clients add agent');
  const users = admin(['users', 'list']);
  report.check(users.status === 0 && /^alice\t/m.test(users.stdout), 'mcpgate users list reads them back', users.stdout + users.stderr);

  const one = await startGateway(config);
  gateways.push(one);
  const a = `http://127.0.0.1:${one.port}`;
  const agent = new Agent();
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({ response_type: 'code', client_id: 'agent', redirect_uri: redirect, state: 's',
    code_challenge: challenge, code_challenge_method: 'S256', resource, scope: 'mcp:read' });
  const login = await agent.get(`${a}/authorize?${q}`);
  const consent = await agent.postForm(`${a}/authorize/login`, { request_id: scrape(login.body, 'request_id'),
    csrf_token: scrape(login.body, 'csrf_token'), username: 'alice', password: 'alice-password' });
  const done = await agent.postForm(`${a}/authorize/consent`, { request_id: scrape(consent.body, 'request_id'),
    csrf_token: scrape(consent.body, 'csrf_token'), decision: 'approve' });
  const code = done.location ? new URL(done.location).searchParams.get('code') : null;
  report.check(Boolean(code), 'sign-in and consent return a code', `${login.status} ${consent.status} ${done.status} ${done.location}`);
  const t = await token(a, { grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier });
  report.check(t.status === 200 && t.json?.access_token && t.json?.refresh_token, 'the code is exchanged for tokens', JSON.stringify(t.json));
  const again = await token(a, { grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier });
  report.check(again.status === 400 && again.json?.error === 'invalid_grant', 'the code is single use (OAuth 2.1 §4.1.3)', JSON.stringify(again.json));

  // The code replay revoked that grant; a second sign-in (consent remembered in PostgreSQL).
  const { verifier: v2, challenge: c2 } = pkce();
  const q2 = new URLSearchParams({ response_type: 'code', client_id: 'agent', redirect_uri: redirect, state: 's',
    code_challenge: c2, code_challenge_method: 'S256', resource, scope: 'mcp:read' });
  const back = await agent.get(`${a}/authorize?${q2}`);
  const loc = back.location ?? '';
  report.check(back.status === 302 && loc.includes('code='), 'consent is remembered: the second authorization redirects at once', `${back.status}`);
  const t2 = await token(a, { grant_type: 'authorization_code', code: new URL(loc || 'http://x/').searchParams.get('code'),
    redirect_uri: redirect, code_verifier: v2 });
  const r1 = t2.json?.refresh_token;
  const r2 = await refresh(a, r1);
  report.check(r2.status === 200 && r2.json?.refresh_token && r2.json.refresh_token !== r1,
    'a refresh at the first gateway rotates the refresh token', JSON.stringify(r2.json));

  // A second replica on the same database.
  const two = await startGateway(config);
  gateways.push(two);
  const b = `http://127.0.0.1:${two.port}`;
  const r3 = await refresh(b, r2.json?.refresh_token);
  report.check(r3.status === 200 && r3.json?.access_token, 'the second gateway refreshes a token the first issued', JSON.stringify(r3.json));
  // An access token issued at the first gateway is accepted at the second (one issuer, one JWKS).
  const mcp = await fetch(`${b}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${t2.json?.access_token}`,
    'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {},
      clientInfo: { name: 't', version: '1' } } }) });
  const unauthorized = await fetch(`${b}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
  report.check(mcp.status === 200 && unauthorized.status === 401,
    'an access token issued at the first gateway is accepted at the second', `${mcp.status} ${unauthorized.status}`);

  // RFC 7009 §2.1: revoked at the first gateway, the access token is refused at the second within
  // the reload bound (polled, plus 2 s of slack for a loaded machine).
  const ping = (origin, at) => fetch(`${origin}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${at}`,
    'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {},
      clientInfo: { name: 't', version: '1' } } }) }).then((r) => r.status);
  report.check(await ping(b, t2.json?.access_token) === 200, 'the token is still accepted at the second gateway before its revocation');
  const revoked = await fetch(`${a}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'agent', token: t2.json?.access_token, token_type_hint: 'access_token' }).toString() });
  const revokedAt = Date.now();
  report.check(revoked.status === 200 && await ping(a, t2.json?.access_token) === 401,
    'an access token revoked at the first gateway is refused there at once (RFC 7009 §2.1)', `${revoked.status}`);
  const deadline = revokedAt + (reloadSeconds + 2) * 1000;
  let statusAtB = await ping(b, t2.json?.access_token);
  while (statusAtB !== 401 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    statusAtB = await ping(b, t2.json?.access_token);
  }
  report.check(statusAtB === 401,
    `the revocation reaches the second gateway within revocation_reload_seconds + 2 s (${Date.now() - revokedAt} ms)`, `${statusAtB}`);
  const reused = await refresh(b, r1);
  report.check(reused.status === 400 && reused.json?.error === 'invalid_grant',
    'a refresh token already rotated at the first gateway is refused as reused at the second', JSON.stringify(reused.json));
  const after = await refresh(a, r3.json?.refresh_token);
  report.check(after.status === 400 && after.json?.error === 'invalid_grant',
    'the reuse revoked the whole family: its newest refresh token is refused at the first gateway too', JSON.stringify(after.json));

  // Both replicas signing with the same keys: one JWKS.
  const jwks = await Promise.all([a, b].map((o) => fetch(`${o}/jwks`).then((r) => r.text()).catch(() => '')));
  report.check(jwks[0] !== '' && jwks[0] === jwks[1], 'both gateways publish the same signing keys (one JWKS)');
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  for (const g of gateways) await g.stop();
  pg.stop();
}
report.finish();

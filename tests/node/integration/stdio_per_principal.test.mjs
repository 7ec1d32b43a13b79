// stdio upstreams in mode per_principal: one child per principal, started with a token exchanged
// for that principal (RFC 8693) in its environment — how the MCP authorization specification has
// stdio servers take credentials ("Authorization", Protocol Requirements: stdio implementations
// retrieve credentials from the environment). Users sign in at the embedded authorization server
// (authorization code + PKCE); the child (support/whoami_stdio_server) reports its pid and the
// claims of the token in its FILES_TOKEN variable. Shown: two users reach two children holding
// their own tokens (sub, aud = the upstream's resource, mapped scopes, act.sub = mcpgate), in both
// protocol eras; a child is replaced before its token expires, the old one stops; an idle child
// stops; a principal beyond max_children is refused 503 with Retry-After, counted and audited;
// mode client_credentials gives each child the gateway's own token.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, pkce } from './authserver_helpers.mjs';
import { Report, gatewayBin, raw, root, startGateway, tempDir } from './lib.mjs';
import { modernRequest, stopWithin } from './support/mcp_client.mjs';

const report = new Report('stdio-per-principal');
const dir = tempDir();
const storage = `sqlite:${join(dir, 'as.db')}`;
const audit = join(dir, 'audit.jsonl');
const admin = (args, input) => spawnSync(gatewayBin, [...args, '--storage', storage], { input, encoding: 'utf8' });
const users = ['alice', 'bob', 'carol'];
for (const user of users)
  report.check(admin(['users', 'add', user, '--password-stdin'], `${user}-password\n`).status === 0, `mcpgate users add ${user}`);
const redirect = 'http://127.0.0.1:3000/callback';
report.check(admin(['clients', 'add', 'agent', '--redirect-uri', redirect]).status === 0, 'mcpgate clients add agent (public, PKCE)');

const server = join(root, 'tests/node/integration/support/whoami_stdio_server.mjs');
const RESOURCE = 'https://files.internal';
const exchange = `          mode: token_exchange
          scopes: { "mcp:read": [files.read], "mcp:write": [files.read, files.write] }`;
const endpoint = (name, stdioExtra, credentials = exchange) => `  - name: ${name}
    path: /${name}
    auth: { scopes_supported: [mcp:read, mcp:write] }
    policy:
      rules:
        - { id: tools, tools: ["*"], scopes: [mcp:read] }
    upstreams:
      - name: files
        stdio:
          command: [${process.execPath}, ${server}, FILES_TOKEN]
          env: { FILES_TOKEN: "configured-value-is-overridden" }
          mode: per_principal
${stdioExtra}
        credentials:
          env: FILES_TOKEN
          resource: ${RESOURCE}
${credentials}
`;
// access_token_ttl_seconds at its minimum (30 s): renew_before_ms 28500 replaces a child about
// 1.5 s after it started; the other endpoints keep the default margin (6 s before expiry).
const gw = await startGateway(`audit_log: ${audit}
authorization_server:
  storage: ${storage}
  allow_loopback_http: true
  access_token_ttl_seconds: 30
servers:
${endpoint('mcp', '          max_children: 2')}${endpoint('renew', '          renew_before_ms: 28500')}${endpoint('idle', '          idle_timeout_ms: 1000')}${endpoint('modern', '')}${endpoint('cancel', `          idle_timeout_ms: 60000
        request_timeout_ms: 2000`)}${endpoint('cc', '', `          mode: client_credentials
          scopes: [files.read]`)}`);
const origin = `http://127.0.0.1:${gw.port}`;

async function signIn(user, scope, path) {
  const agent = new Agent();
  const { verifier, challenge } = pkce();
  const resource = `${origin}${path}`;
  const q = new URLSearchParams({ response_type: 'code', client_id: 'agent', redirect_uri: redirect, state: 's',
    code_challenge: challenge, code_challenge_method: 'S256', resource, scope });
  const back = await agent.authorize(`${origin}/authorize?${q}`, { username: user, password: `${user}-password` });
  const code = new URL(back).searchParams.get('code');
  const t = await fetch(`${origin}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: 'agent', code_verifier: verifier, resource }).toString() });
  const j = await t.json();
  if (!j.access_token) throw new Error(`no token for ${user}: ${JSON.stringify(j)}`);
  return j.access_token;
}

// A legacy-era session; call() returns the child's whoami ({pid, claims, raw}) or the raw answer.
async function session(token, path) {
  const h = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${token}` };
  const init = await raw(gw.port, 'POST', path, h, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
  const sh = { ...h, 'Mcp-Session-Id': init.headers['mcp-session-id'] ?? 'none', 'MCP-Protocol-Version': '2025-11-25' };
  if (init.status === 200) await raw(gw.port, 'POST', path, sh, { jsonrpc: '2.0', method: 'notifications/initialized' });
  let id = 1;
  // `as`: another token of the same principal (a client that refreshed its token keeps its session).
  const call = async (name = 'whoami', args = {}, as = token) => {
    const r = await raw(gw.port, 'POST', path, { ...sh, Authorization: `Bearer ${as}` }, { jsonrpc: '2.0', id: id++, method: 'tools/call', params: { name, arguments: args } });
    const text = r.json?.result?.content?.[0]?.text;
    return { r, who: text ? JSON.parse(text) : null };
  };
  const post = (body) => raw(gw.port, 'POST', path, sh, body);
  return { init, call, post };
}
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
async function until(what, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const metric = async (name, labels) => {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.every((x) => l.includes(x)));
  return line ? Number(line.split(' ').pop()) : 0;
};
const tokenOk = (who, user, scopes) => who?.claims?.sub === user && JSON.stringify([who.claims.aud].flat()) === JSON.stringify([RESOURCE]) &&
  who.claims.scope === scopes && who.claims.act?.sub === 'mcpgate';

const pids = new Set();
try {
  // Two users on the same upstream: two children, each with its own exchanged token.
  const alice = await signIn('alice', 'mcp:read', '/mcp');
  const bob = await signIn('bob', 'mcp:read mcp:write', '/mcp');
  const a = await session(alice, '/mcp');
  const b = await session(bob, '/mcp');
  report.check(a.init.status === 200 && b.init.status === 200, 'alice and bob open sessions (initialize reaches their children)', `${a.init.status} ${a.init.body}`);
  const wa = (await a.call()).who;
  const wb = (await b.call()).who;
  [wa?.pid, wb?.pid].forEach((p) => p && pids.add(p));
  report.check(wa && wb && wa.pid !== wb.pid, 'alice and bob reach two different children (different pids)', `${wa?.pid} ${wb?.pid}`);
  report.check(tokenOk(wa, 'alice', 'files.read'),
    "alice's child holds a token exchanged for alice: sub alice, aud the upstream's resource, scope files.read (mapped from mcp:read), act.sub mcpgate", JSON.stringify(wa?.claims));
  report.check(tokenOk(wb, 'bob', 'files.read files.write'),
    "bob's child holds bob's token: scopes files.read files.write (mapped from mcp:read mcp:write)", JSON.stringify(wb?.claims));
  report.check(wa?.raw !== alice && wb?.raw !== bob && !/^Bearer /.test(wa?.raw ?? ''),
    "no child holds its user's own token (no passthrough), and the variable holds the bare token (no 'Bearer ')");
  const a2 = await session(alice, '/mcp');
  const wa2 = (await a2.call()).who;
  report.check(wa2?.pid === wa?.pid, "alice's second session reaches alice's child (one child per principal)", `${wa2?.pid} ${wa?.pid}`);

  // MCP cancellation (2025-11-25, basic/utilities/cancellation): a client names the request by its
  // own id, unique within its session only. Two sessions of one principal share its child, each
  // with a request 70 in flight; the first session's cancellation reaches the child for that
  // session's request alone, under the id the child knows it by, and the other one completes.
  {
    const token = await signIn('alice', 'mcp:read', '/cancel');
    const s1 = await session(token, '/cancel');
    const s2 = await session(token, '/cancel');
    const state = async () => (await s1.call('cancelled')).who;
    const sleep = (s) => s.post({ jsonrpc: '2.0', id: 70, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 1500 } } });
    const first = sleep(s1);
    const second = sleep(s2);
    const held = await until(async () => ((await state())?.sleeping.length === 2 ? await state() : null));
    const cancelledAt = Date.now();
    const c = await s1.post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 70, reason: 'stop' } });
    const r1 = await first;
    const r1Ms = Date.now() - cancelledAt;
    const r2 = await second;
    const after = await state();
    const answered = r2.json?.result?.content?.[0]?.text;
    report.check(held && c.status === 202 && after?.cancelled.length === 1 && held.sleeping.includes(JSON.stringify(after.cancelled[0])) &&
      after.cancelled[0] !== 70 && answered && JSON.parse(answered).pid === held.pid,
      "per-principal child: one session's notifications/cancelled for its request 70 cancels that request alone, under the child's id; the other session's request 70 completes",
      `${c.status} held ${JSON.stringify(held)} after ${JSON.stringify(after)} second ${r2.status} ${r2.body.slice(0, 200)}`);
    report.check(r1.status === 200 && r1.headers['content-type']?.startsWith('text/event-stream') && !r1.body.includes('data:') &&
      r1Ms < 1500 && after?.cancelled.length === 1,
      'the cancelled request gets no response: its stream ends at once (not at the 2 s request timeout), and the child is told once',
      `${r1.status} after ${r1Ms} ms ${r1.body.slice(0, 300)} ${JSON.stringify(after)}`);
  }

  // max_children: 2 on /mcp: a third principal is refused, neither alice nor bob is disturbed.
  const carol = await signIn('carol', 'mcp:read', '/mcp');
  const c = await session(carol, '/mcp');
  report.check(c.init.status === 503 && c.init.headers['retry-after'] === '1' && c.init.json?.error?.data?.reason === 'children_limit',
    'a third principal beyond max_children: 503 with Retry-After, reason children_limit', `${c.init.status} ${c.init.body}`);
  report.check(c.init.json?.error?.code === -32004 && c.init.json?.error?.data?.upstream === 'files' &&
    c.init.json?.error?.data?.retryAfterSeconds === 1,
    'the children-limit refusal keeps its data: the upstream beside reason and retryAfterSeconds (-32004)', c.init.body);
  report.check(await metric('mcpgate_refusals_total', ['reason="children_limit"']) >= 1 &&
    await metric('mcpgate_stdio_children', ['endpoint="mcp"', 'upstream="files"']) === 2 &&
    await metric('mcpgate_stdio_children_max', ['endpoint="mcp"', 'upstream="files"']) === 2,
    '/metrics counts the refusal (reason children_limit) and shows 2 of 2 children running');
  const auditLines = existsSync(audit) ? readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  report.check(auditLines.some((l) => l.decision === 'limited' && l.reason === 'children_limit' && l.subject === 'carol' && l.target === 'files'),
    'the refusal is audited (decision limited, reason children_limit, the principal, the upstream)');
  report.check((await a.call()).who?.pid === wa?.pid, 'alice still reaches her child');

  // Replacement before expiry (renew_before_ms 28500 of a 30 s token): a new child with a fresh
  // token takes the new requests; the old one stops. The exchanged token never outlives the
  // client's (whose lifetime is the same 30 s here), so the fresher token comes from the client's
  // fresher one, as a client refreshes its token before it expires.
  const aliceR = await signIn('alice', 'mcp:read', '/renew');
  const r = await session(aliceR, '/renew');
  const first = (await r.call()).who;
  if (first?.pid) pids.add(first.pid);
  // A request held in flight on the first child (4 s) while it is replaced.
  let slowDone = false;
  const slow = r.call('sleep', { ms: 4000 }).then((x) => { slowDone = true; return x; });
  let later = null;
  // exp has a resolution of one second: the fresher tokens are signed in a later second than the
  // first (the replacement comes 1.5 s after it anyway), so that "later exp" can hold.
  await new Promise((res) => setTimeout(res, 1100));
  await until(async () => {
    later = (await r.call('whoami', {}, await signIn('alice', 'mcp:read', '/renew'))).who;
    if (later?.pid) pids.add(later.pid);
    return later && later.pid !== first?.pid;
  });
  report.check(first && later && later.pid !== first.pid && tokenOk(later, 'alice', 'files.read') && later.claims.jti !== first.claims.jti &&
    later.claims.exp > first.claims.exp,
    "before its token expires alice's child is replaced by a new one holding a fresh token (later exp, new jti)", `${first?.pid}→${later?.pid} exp ${first?.claims?.exp}→${later?.claims?.exp}`);
  const replacedWhileBusy = !slowDone && alive(first?.pid);
  const slowAnswer = await slow;
  report.check(replacedWhileBusy && slowAnswer.r.status === 200 && slowAnswer.who?.pid === first?.pid,
    'the replaced child finishes the request it had in flight (answered by the old pid after the switch)', `${replacedWhileBusy} ${slowAnswer.r.status} ${slowAnswer.who?.pid}`);
  report.check(await until(() => !alive(first?.pid)), 'then the replaced child stops', `${first?.pid}`);

  // Idle: no request for idle_timeout_ms (1 s): the child stops; the next request starts a new one.
  const aliceI = await signIn('alice', 'mcp:read', '/idle');
  const i = await session(aliceI, '/idle');
  const idle = (await i.call()).who;
  if (idle?.pid) pids.add(idle.pid);
  report.check(idle?.pid && alive(idle.pid), 'a child on /idle runs', `${idle?.pid}`);
  report.check(await until(() => !alive(idle?.pid)), 'after idle_timeout_ms without a request the child stops (its pid exits)', `${idle?.pid}`);
  const again = (await i.call()).who;
  if (again?.pid) pids.add(again.pid);
  report.check(again && again.pid !== idle?.pid && tokenOk(again, 'alice', 'files.read'),
    'the next request starts a new child for alice (the session goes on, the handshake is replayed)', JSON.stringify(again?.claims));

  // 2026-07-28 (stateless) clients: the same, one child per principal.
  const am = await signIn('alice', 'mcp:read', '/modern');
  const bm = await signIn('bob', 'mcp:read', '/modern');
  const ma = await modernRequest(gw.port, '/modern', am, 'tools/call', { name: 'whoami', arguments: {} }, 'application/json', 'whoami');
  const mb = await modernRequest(gw.port, '/modern', bm, 'tools/call', { name: 'whoami', arguments: {} }, 'application/json', 'whoami');
  const whoA = ma.json?.result?.content?.[0]?.text ? JSON.parse(ma.json.result.content[0].text) : null;
  const whoB = mb.json?.result?.content?.[0]?.text ? JSON.parse(mb.json.result.content[0].text) : null;
  [whoA?.pid, whoB?.pid].forEach((p) => p && pids.add(p));
  report.check(whoA && whoB && whoA.pid !== whoB.pid && tokenOk(whoA, 'alice', 'files.read') && tokenOk(whoB, 'bob', 'files.read'),
    '2026-07-28 clients: alice and bob reach their own children with their own tokens', `${ma.status} ${ma.body.slice(0, 300)} ${mb.status}`);

  // client_credentials: a child per principal still, each with the gateway's own token.
  const cc = await session(await signIn('alice', 'mcp:read', '/cc'), '/cc');
  const whoCc = (await cc.call()).who;
  if (whoCc?.pid) pids.add(whoCc.pid);
  report.check(whoCc?.claims?.sub === 'mcpgate' && JSON.stringify([whoCc.claims.aud].flat()) === JSON.stringify([RESOURCE]) && whoCc.claims.scope === 'files.read',
    "mode client_credentials: the child holds the gateway's own token for the upstream (sub mcpgate, aud the resource)", JSON.stringify(whoCc?.claims));
} catch (e) {
  report.check(false, 'no exception', `${e.stack}\n${gw.log().slice(-3000)}`);
} finally {
  await stopWithin(gw);
}
report.check(await until(() => [...pids].every((p) => !alive(p)), 5000), 'every child stops with the gateway', [...pids].filter(alive).join(' '));
report.finish();

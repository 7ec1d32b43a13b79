// Faults under load (docs/deployment.md, "When a part fails"): two replicas behind HAProxy on one
// PostgreSQL and one Redis, clients calling without pause — with a valid token, with a revoked
// token, with a forged one, and asking for new tokens — while PostgreSQL is stopped and started
// again, then Redis. Required: no replica crashes, no request that should be refused gets
// through (the revoked and forged tokens get 401 every single time), the MCP calls of valid tokens
// go on (they need neither store: tokens are verified locally), token requests fail cleanly
// (503) during the outage and work again afterwards without restarting anything. What the clients
// saw in each phase is printed as `#` lines.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Report, freePort, gatewayBin, root, startGateway } from './lib.mjs';
import { startHaproxy } from './support/haproxy.mjs';
import { startPostgres } from './support/postgres.mjs';
import { startRedis } from './support/redis.mjs';

const report = new Report('replicas-faults');
const cleanups = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SIMPLE_TEXT = 'This is a simple text response for testing.';
const SECRET = 'svc-secret-0123456789abcdef0123';

try {
  const pg = await startPostgres();
  cleanups.push(async () => pg.stop());
  const redis = await startRedis();
  cleanups.push(async () => redis.close());
  const upPort = await freePort();
  const upstream = spawn(join(root, 'build/release/examples/everything/everything_server'), ['--http', `127.0.0.1:${upPort}`], { stdio: 'ignore' });
  cleanups.push(async () => upstream.kill('SIGKILL'));
  const hpPort = await freePort();
  const publicUrl = `http://127.0.0.1:${hpPort}`;
  const resource = `${publicUrl}/mcp`;
  const config = `public_url: ${publicUrl}
authorization_server:
  storage: ${pg.url}
  storage_pool_size: 2
  storage_connect_timeout_seconds: 1
  storage_statement_timeout_ms: 1000
  allow_loopback_http: true
redis:
  url: ${redis.url}
limits: { per_principal: { requests_per_second: 0, tool_calls: { requests_per_second: 0 } } }
servers:
  - name: everything
    path: /mcp
    auth: { scopes_supported: [mcp:read] }
    upstreams:
      - name: everything
        http: { url: "http://127.0.0.1:${upPort}/mcp" }
`;
  const add = spawnSync(gatewayBin, ['clients', 'add', 'svc', '--grant', 'client_credentials', '--auth-method', 'client_secret_post',
    '--secret-stdin', '--scope', 'mcp:read', '--storage', pg.url], { input: `${SECRET}\n`, encoding: 'utf8' });
  report.check(add.status === 0, 'a client_credentials client in the shared PostgreSQL', add.stderr);
  const replicas = [await startGateway(config), await startGateway(config)];
  replicas.forEach((g, i) => { g.name = `r${i + 1}`; cleanups.push(async () => g.stop()); });
  const hp = await startHaproxy(replicas.map((g) => ({ name: g.name, port: g.port })), { port: hpPort });
  cleanups.push(async () => hp.stop());
  for (let i = 0; i < 100 && !(await hp.servers()).every((s) => s.status === 'UP'); i++) await sleep(50);

  const tokenRequest = () => fetch(`${publicUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'svc', client_secret: SECRET, scope: 'mcp:read', resource }).toString() })
    .then(async (r) => ({ status: r.status, json: await r.json().catch(() => null) }))
    .catch((e) => ({ status: 'error', error: String(e) }));
  const good = (await tokenRequest()).json?.access_token;
  const revoked = (await tokenRequest()).json?.access_token;
  const rv = await fetch(`${publicUrl}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: revoked, client_id: 'svc', client_secret: SECRET }).toString() });
  report.check(Boolean(good) && rv.status === 200, 'two tokens issued, the second revoked', `${rv.status}`);
  const forged = `${good.slice(0, -8)}AAAAAAAA`;

  const call = (token) => fetch(resource, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json',
    accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'test_simple_text' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'test_simple_text', arguments: {},
    _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }) })
    .then(async (r) => ({ status: r.status, ok: r.status === 200 && (await r.text()).includes(SIMPLE_TEXT) }))
    .catch((e) => ({ status: 'error', error: String(e) }));

  // The load: what every request got, per phase.
  let phase = 'before';
  const seen = {};
  const note = (kind, status) => {
    const k = `${phase}|${kind}`;
    seen[k] ??= {};
    seen[k][status] = (seen[k][status] ?? 0) + 1;
  };
  let running = true;
  const loops = [];
  const loop = (kind, fn) => loops.push((async () => { while (running) { note(kind, (await fn()).status); await sleep(5); } })());
  for (let i = 0; i < 4; i++) loop('valid token', () => call(good));
  loop('revoked token', () => call(revoked));
  loop('forged token', () => call(forged));
  loop('token request', async () => { await sleep(50); return tokenRequest(); });

  const probe = async (g) => fetch(`http://127.0.0.1:${g.port}/readyz`).then(async (r) => ({ status: r.status, json: await r.json() }));
  const alive = () => replicas.every((g) => g.proc.exitCode === null && g.proc.signalCode === null);
  await sleep(1000);

  // --- PostgreSQL down. ---------------------------------------------------------------------------
  phase = 'postgres down';
  pg.pause();
  await sleep(2500);
  const ready = await probe(replicas[0]);
  const storeProbe = ready.json?.probes?.find((p) => p.name === 'authorization_server.store');
  report.check(ready.status === 200 && storeProbe?.ok === false && storeProbe?.required === false,
    'PostgreSQL down: /readyz reports the store probe failing, and the replica stays in rotation (a shared store is not required)',
    JSON.stringify(ready));
  phase = 'postgres back';
  pg.resume();
  let back = false;
  for (let i = 0; i < 100 && !back; i++) { back = (await tokenRequest()).status === 200; if (!back) await sleep(100); }
  report.check(back, 'PostgreSQL back: tokens are issued again, no replica restarted');
  await sleep(1000);

  // --- Redis down. --------------------------------------------------------------------------------
  phase = 'redis down';
  await redis.stop();
  await sleep(2500);
  phase = 'redis back';
  await redis.restart();
  await sleep(2000);

  running = false;
  await Promise.all(loops);
  report.check(alive(), 'no replica crashed');
  const sum = (kind, pred) => Object.entries(seen).filter(([k]) => k.endsWith(`|${kind}`))
    .reduce((n, [, v]) => n + Object.entries(v).filter(([s]) => pred(s)).reduce((a, [, c]) => a + c, 0), 0);
  report.check(sum('revoked token', (s) => s !== '401') === 0 && sum('revoked token', () => true) > 0,
    'the revoked token got 401 on every request, in every phase', JSON.stringify(seen));
  report.check(sum('forged token', (s) => s !== '401') === 0 && sum('forged token', () => true) > 0,
    'the forged token got 401 on every request, in every phase');
  const validFailed = sum('valid token', (s) => s !== '200');
  report.check(validFailed === 0, 'MCP calls with a valid token succeeded throughout both outages', `${validFailed} failed`);
  report.check(sum('token request', (s) => !['200', '503'].includes(s)) === 0,
    'token requests got 200, or 503 while PostgreSQL was down — never another answer');
  for (const [k, v] of Object.entries(seen)) console.log(`# ${k.replace('|', ': ')}: ${Object.entries(v).map(([s, c]) => `${s} ×${c}`).join(', ')}`);
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
}
for (const c of cleanups.reverse()) await c().catch(() => {});
report.finish();

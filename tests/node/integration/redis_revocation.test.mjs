// Two gateways on one PostgreSQL and one Redis: an access token revoked through one replica
// (RFC 7009 §2.1) is refused by the other within 1 s through the revocation broadcast; with Redis
// stopped both keep serving and the other replica catches up by its periodic reload from the
// store; Redis restarted, the broadcast works again without restarting the gateways. With
// neither Redis nor the store reachable past redis.revocation_max_staleness_seconds, the embedded
// server's tokens are refused (503, Retry-After) rather than revoked ones let through.
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { Report, freePort, gatewayBin, root, startGateway, tempDir } from './lib.mjs';
import { startPostgres } from './support/postgres.mjs';
import { redisInstalled, startRedis } from './support/redis.mjs';

const report = new Report('redis-revocation');
// No Redis is a failure, never a skip: scripts/setup installs it.
if (!redisInstalled()) {
  report.check(false, 'redis-server is installed (scripts/setup installs it)');
  report.finish();
}
let pg, redis;
try {
  pg = await startPostgres();
  redis = await startRedis();
} catch (e) {
  report.check(false, 'a private PostgreSQL and Redis start', e.message);
  pg?.stop();
  await redis?.close();
  report.finish();
}
const reloadSeconds = 2;  // slower than the broadcast's bound of 1 s
const staleness = 5;  // above the reload period: a replica without Redis stays current through the store
const publicUrl = `http://127.0.0.1:${await freePort()}`;
const resource = `${publicUrl}/mcp`;
const secret = 'svc-secret-5e1b-7f30';
const admin = (args, input) => spawnSync(gatewayBin, [...args, '--storage', pg.url], { input, encoding: 'utf8' });
const config = `public_url: ${publicUrl}
authorization_server:
  storage: ${pg.url}
  storage_pool_size: 2
  storage_connect_timeout_seconds: 1
  storage_statement_timeout_ms: 1000
  revocation_reload_seconds: ${reloadSeconds}
  allow_loopback_http: true
redis:
  url: ${redis.url}
  connect_timeout_ms: 300
  command_timeout_ms: 300
  key_prefix: "it:"
  revocation_max_staleness_seconds: ${staleness}
servers:
  - name: crm
    path: /mcp
    auth: { scopes_supported: [mcp:read] }
    upstreams:
      - name: recorder
        stdio: { mode: shared, command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(join(root, 'tests/node/integration/support/recording_upstream.mjs'))}, ${JSON.stringify(join(tempDir(), 'upstream.log'))}] }
`;
const basic = `Basic ${Buffer.from(`svc:${secret}`).toString('base64')}`;
const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic };
async function issue(origin) {
  const r = await fetch(`${origin}/token`, { method: 'POST', headers: form,
    body: new URLSearchParams({ grant_type: 'client_credentials', resource }).toString() });
  return (await r.json().catch(() => ({}))).access_token;
}
const revoke = (origin, token) => fetch(`${origin}/revoke`, { method: 'POST', headers: form,
  body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString() }).then((r) => r.status);
const initialize = (origin, at) => fetch(`${origin}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${at}`,
  'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {},
    clientInfo: { name: 't', version: '1' } } }) });
const status = async (origin, at) => (await initialize(origin, at)).status;
const probe = async (origin, name) => {
  const r = await fetch(`${origin}/readyz`);
  const j = await r.json().catch(() => ({}));
  return { status: r.status, probe: j.probes?.find((p) => p.name === name) };
};
// Polls `f` until it holds or `ms` pass; resolves the milliseconds it took, or -1.
async function within(ms, f) {
  const t0 = Date.now();
  while (Date.now() - t0 <= ms) {
    if (await f()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 10));
  }
  return -1;
}
// PUBSUB NUMSUB: how many replicas listen on the revocation channel.
const subscribers = () => new Promise((resolve) => {
  const s = net.connect({ port: redis.port, host: '127.0.0.1' });
  let buf = '';
  s.on('data', (d) => {
    buf += d.toString();
    const m = /:(\d+)\r\n$/.exec(buf);
    if (m) { s.destroy(); resolve(Number(m[1])); }
  });
  s.on('error', () => resolve(0));
  s.write('*3\r\n$6\r\nPUBSUB\r\n$6\r\nNUMSUB\r\n$10\r\nit:revoked\r\n');
});
// Revoked at A: how long until B refuses it (-1: not within `ms`).
async function propagation(a, b, ms) {
  const at = await issue(a);
  const before = await status(b, at);
  const revoked = await revoke(a, at);
  const t0 = Date.now();
  const took = await within(ms, async () => (await status(b, at)) === 401);
  return { before, revoked, took: took < 0 ? -1 : Date.now() - t0 };
}

const gateways = [];
try {
  report.check(admin(['clients', 'add', 'svc', '--grant', 'client_credentials', '--auth-method', 'client_secret_basic',
    '--secret-stdin'], `${secret}\n`).status === 0, 'mcpgate clients add svc (client_credentials) on PostgreSQL');
  const one = await startGateway(config);
  gateways.push(one);
  const two = await startGateway(config);
  gateways.push(two);
  const a = `http://127.0.0.1:${one.port}`;
  const b = `http://127.0.0.1:${two.port}`;
  report.check(await within(5000, async () => (await subscribers()) === 2) >= 0, 'both replicas subscribe to <key_prefix>revoked');
  const rp = await probe(b, 'redis');
  report.check(rp.status === 200 && rp.probe?.ok === true && rp.probe?.required === false,
    '/readyz has an optional redis probe, passing', JSON.stringify(rp));

  // The MUST: refused by every replica within 1 s.
  const p1 = await propagation(a, b, 1000);
  report.check(p1.before === 200 && p1.revoked === 200 && p1.took >= 0 && p1.took <= 1000,
    `a token revoked at A is refused at B within 1 s through Redis (${p1.took} ms)`, JSON.stringify(p1));

  // Redis stopped: both serve, the broadcast is lost, B catches up from the store.
  await redis.stop();
  const down = await within(3000, async () => (await probe(b, 'redis')).probe?.ok === false);
  const rd = await probe(b, 'redis');
  report.check(down >= 0 && rd.status === 200, '/readyz reports the redis probe failing and the replica stays ready', JSON.stringify(rd));
  const fresh = await issue(a);
  report.check(Boolean(fresh) && await status(a, fresh) === 200 && await status(b, fresh) === 200,
    'with Redis down both gateways issue and accept tokens');
  const p2 = await propagation(a, b, (reloadSeconds + 3) * 1000);
  report.check(p2.before === 200 && p2.revoked === 200 && p2.took >= 0,
    `with Redis down B catches up by the store reload every ${reloadSeconds} s (${p2.took} ms)`, JSON.stringify(p2));

  // Redis back: the gateways subscribe again by themselves, and the broadcast is back.
  await redis.restart();
  report.check(await within(8000, async () => (await subscribers()) === 2) >= 0, 'both replicas subscribe again after Redis restarts');
  report.check(await within(5000, async () => (await probe(a, 'redis')).probe?.ok === true) >= 0, 'the redis probe passes again');
  const p3 = await propagation(a, b, 1000);
  report.check(p3.before === 200 && p3.revoked === 200 && p3.took >= 0 && p3.took <= 1000,
    `after the restart a revocation at A is refused at B within 1 s again (${p3.took} ms)`, JSON.stringify(p3));

  // A forged message can only add revocations; a malformed one is dropped and breaks nothing.
  const junk = await new Promise((resolve) => {
    const s = net.connect({ port: redis.port, host: '127.0.0.1' }, () =>
      s.write('*3\r\n$7\r\nPUBLISH\r\n$10\r\nit:revoked\r\n$9\r\n{"revoked\r\n'));
    s.on('data', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
  const still = await issue(a);
  report.check(junk && await status(b, still) === 200, 'a malformed message on the channel is ignored');

  // Fail closed: neither Redis nor the store for longer than the staleness bound.
  const kept = await issue(a);
  await redis.stop();
  pg.stop();
  pg = null;
  const t0 = Date.now();
  let last;
  const refused = await within((staleness + reloadSeconds + 6) * 1000, async () => {
    last = await initialize(b, kept);
    return last.status === 503;
  });
  const body = last ? await last.json().catch(() => null) : null;
  report.check(refused >= 0 && Date.now() - t0 >= (staleness - 1) * 1000,
    `with neither Redis nor the store for ${staleness} s the embedded tokens are refused (after ${Date.now() - t0} ms)`, `${last?.status}`);
  report.check(last?.headers.get('retry-after') === '1' && body?.error?.code === -32001 && body?.jsonrpc === '2.0',
    'the refusal is 503 with Retry-After and a JSON-RPC error', JSON.stringify(body));
  report.check(one.proc.exitCode === null && two.proc.exitCode === null && one.proc.signalCode === null &&
    two.proc.signalCode === null, 'no gateway crashed');
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  for (const g of gateways) await g.stop();
  pg?.stop();
  await redis.close();
}
report.finish();

// Three gateway replicas behind HAProxy (round robin, no stickiness) on loopback, sharing one
// PostgreSQL (the embedded authorization server's store) and one Redis (login state, revocation
// broadcast, shared limits), with one sealing key for legacy sessions (docs/deployment.md):
//   1. the TypeScript SDK client registers (DCR), signs a user in and calls tools while its
//      requests are spread over the replicas — the sign-in pages included;
//   2. the replica that served the client is killed with SIGKILL mid-session: the client's next
//      calls, in the same MCP session, succeed on the others (HTTP upstream);
//   3. an access token revoked through one replica is refused by every replica within 1 s.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from './authserver_helpers.mjs';
import { Report, freePort, gatewayBin, root, startGateway, tempDir } from './lib.mjs';
import { startHaproxy } from './support/haproxy.mjs';
import { startPostgres } from './support/postgres.mjs';
import { startRedis } from './support/redis.mjs';
import { SdkTestProvider } from './support/sdk_provider.mjs';

const report = new Report('replicas');
const cleanups = [];
const finish = async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  report.finish();
};
const SIMPLE_TEXT = 'This is a simple text response for testing.';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

try {
  // No PostgreSQL, Redis or HAProxy is a failure, never a skip: scripts/setup installs them.
  const pg = await startPostgres();
  cleanups.push(async () => pg.stop());
  const redis = await startRedis();
  cleanups.push(async () => redis.close());
  const upPort = await freePort();
  const upstream = spawn(join(root, 'build/release/examples/everything/everything_server'), ['--http', `127.0.0.1:${upPort}`], { stdio: 'ignore' });
  cleanups.push(async () => upstream.kill('SIGKILL'));
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${upPort}/healthz`).then(() => true).catch(() => false)) break;
    await sleep(50);
  }

  const dir = tempDir();
  const keyFile = join(dir, 'session-key');
  writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  const hpPort = await freePort();
  const publicUrl = `http://127.0.0.1:${hpPort}`;
  const resource = `${publicUrl}/mcp`;
  const config = `public_url: ${publicUrl}
authorization_server:
  storage: ${pg.url}
  storage_pool_size: 4
  allow_loopback_http: true
redis:
  url: ${redis.url}
sessions:
  sealing_keys: [{ id: k1, secret_file: ${JSON.stringify(keyFile)} }]
servers:
  - name: everything
    path: /mcp
    auth: { scopes_supported: [mcp:read], required_scopes: [mcp:read] }
    upstreams:
      - name: everything
        http: { url: "http://127.0.0.1:${upPort}/mcp" }
`;
  const r0 = spawnSync(gatewayBin, ['users', 'add', 'alice', '--storage', pg.url, '--password-stdin'], { input: 'alice-password\n', encoding: 'utf8' });
  report.check(r0.status === 0, 'mcpgate users add alice against the shared PostgreSQL', r0.stderr);
  const replicas = [];
  for (let i = 1; i <= 3; i++) {
    const g = await startGateway(config);
    g.name = `r${i}`;
    replicas.push(g);
    cleanups.push(async () => g.stop());
  }
  const hp = await startHaproxy(replicas.map((g) => ({ name: g.name, port: g.port })), { port: hpPort });
  cleanups.push(async () => hp.stop());
  for (let i = 0; i < 100 && !(await hp.servers()).every((s) => s.status === 'UP'); i++) await sleep(50);
  const served = async () => Object.fromEntries((await hp.servers()).map((s) => [s.name, s.sessions]));

  // --- 1. The OAuth flow and tool calls with requests spread over the replicas. -----------------
  class Provider extends SdkTestProvider {
    constructor(redirectUrl) { super(redirectUrl, { clientName: 'replicas test client' }); this.browser = new Agent(); }
    async redirectToAuthorization(url) {
      const before = await served();
      const back = new URL(await this.browser.authorize(url.toString(), { username: 'alice', password: 'alice-password' }));
      const after = await served();
      this.signInReplicas = Object.keys(after).filter((k) => after[k] > before[k]);
      this.code = back.searchParams.get('code');
    }
  }
  const provider = new Provider(`http://127.0.0.1:${await freePort()}/callback`);
  const start = await served();
  const first = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider });
  let client = new Client({ name: 'replicas', version: '1.0.0' });
  try {
    await client.connect(first);
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
  }
  report.check(Boolean(provider.code), 'the user signed in and consented through the balancer', `sign-in pages served by ${provider.signInReplicas}`);
  report.check(provider.signInReplicas?.length >= 2, 'the sign-in pages themselves were served by more than one replica',
    String(provider.signInReplicas));
  await first.finishAuth(provider.code);
  const transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider });
  client = new Client({ name: 'replicas', version: '1.0.0' });
  await client.connect(transport);
  const sessionId = transport.sessionId;
  let ok = 0;
  for (let i = 0; i < 6; i++) {
    const r = await client.callTool({ name: 'test_simple_text', arguments: {} });
    if (JSON.stringify(r.content).includes(SIMPLE_TEXT)) ok++;
  }
  const spread = await served();
  const used = Object.keys(spread).filter((k) => spread[k] > start[k]);
  report.check(ok === 6, 'the TypeScript SDK client completed the OAuth flow and called tools', `${ok}/6`);
  report.check(used.length === 3, 'its requests were spread over all three replicas', JSON.stringify({ start, spread }));

  // --- 2. SIGKILL a replica mid-session. ---------------------------------------------------------
  const victim = replicas[1];
  victim.proc.kill('SIGKILL');
  await new Promise((r) => victim.proc.exitCode !== null || victim.proc.signalCode !== null ? r() : victim.proc.on('exit', r));
  // Until HAProxy's health check takes the dead replica out (inter 300 ms), a request it sends
  // over a kept-alive connection to that replica gets no answer, and HAProxy then closes the
  // client's connection without one, as `http-reuse safe` does so that the client may retry
  // (HAProxy's configuration manual, "http-reuse"). That is a network error at the client, not an
  // HTTP answer: such a call is made once more, as a client that retries a request whose
  // connection closed unanswered would, and counted. Any HTTP error, or a second failure, fails.
  let after = 0;
  let cut = 0;
  const errors = [];
  for (let i = 0; i < 9; i++) {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const r = await client.callTool({ name: 'test_simple_text', arguments: {} });
        if (JSON.stringify(r.content).includes(SIMPLE_TEXT)) after++;
        break;
      } catch (e) {
        const unanswered = e instanceof TypeError && String(e.message).includes('fetch failed');
        if (!unanswered || attempt === 1) { errors.push(String(e)); break; }
        cut++;
      }
    }
  }
  // A replica that crashed would also cut calls: the two others must still be running.
  const survivorsUp = replicas.filter((g) => g !== victim).every((g) => g.proc.exitCode === null && g.proc.signalCode === null);
  report.check(after === 9 && cut <= 2 && survivorsUp,
    'after one replica was killed with SIGKILL, every next call of the session succeeded on the others',
    `${after}/9, ${cut} cut by the balancer without an answer and made again, survivors running: ${survivorsUp}; ${errors.slice(0, 2).join('; ')}`);
  if (cut) console.log(`# calls cut by the balancer right after the kill, made again: ${cut}`);
  report.check(transport.sessionId === sessionId, 'the client kept its MCP session (no re-initialization)', `${sessionId} → ${transport.sessionId}`);

  // --- 3. Revocation through one replica, refused by all within 1 s. -----------------------------
  const token = provider.saved.access_token;
  const alive = replicas.filter((g) => g !== victim);
  const call = (port) => fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}`,
    'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) }).then((r) => r.status);
  const beforeRevoke = await Promise.all(alive.map((g) => call(g.port)));
  report.check(beforeRevoke.every((s) => s !== 401), 'before revocation every replica accepts the token', beforeRevoke.join(','));
  const revokedAt = Date.now();
  const rv = await fetch(`http://127.0.0.1:${alive[0].port}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: provider.client.client_id }).toString() });
  report.check(rv.status === 200, 'the token is revoked through one replica (RFC 7009)', String(rv.status));
  const refusedAfter = await Promise.all(alive.map(async (g) => {
    for (;;) {
      if (await call(g.port) === 401) return Date.now() - revokedAt;
      if (Date.now() - revokedAt > 5000) return Infinity;
      await sleep(20);
    }
  }));
  report.check(refusedAfter.every((ms) => ms <= 1000), 'every replica refuses the revoked token within 1 s',
    refusedAfter.map((ms, i) => `${alive[i].name}: ${ms} ms`).join(', '));
  console.log(`# revoked token refused after: ${refusedAfter.map((ms, i) => `${alive[i].name} ${ms} ms`).join(', ')}`);
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
}
await finish();

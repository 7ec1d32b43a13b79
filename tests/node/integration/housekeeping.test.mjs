// The gateway's timers: idle sessions are reaped (and their upstream children stopped), and key
// sets are refreshed in the background — and the process keeps serving while they run.
// Regression: both timers used to re-arm through an empty std::function and abort the process
// the first time they fired.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report, raw, root, startGateway, tempDir, testIssuer } from './lib.mjs';

const report = new Report('housekeeping');
const dir = tempDir();
const issuer = testIssuer(dir);
writeFileSync(join(dir, 'jwks.json'), issuer.jwks);
const everything = join(root, 'tests/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const gw = await startGateway(`limits: { session_idle_timeout_ms: 1000 }
servers:
  - name: e
    path: /mcp
    auth:
      issuers: [{ issuer: https://issuer.test, algorithms: [ES256], jwks_file: ${join(dir, 'jwks.json')}, jwks_min_refetch_seconds: 1 }]
    upstreams:
      - name: e
        stdio: { command: ["${process.execPath}", "${everything}", "stdio"] }
`);
const token = issuer.mint({ iss: 'https://issuer.test', sub: 'a', aud: gw.url, scope: 'x' }, { lifetime: 600 });
const h = { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${token}` };
try {
  const init = await raw(gw.port, 'POST', '/mcp', h, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'h', version: '1' } } });
  const sid = init.headers['mcp-session-id'];
  report.check(init.status === 200 && sid, 'session opened');
  // Leave the session idle (only /healthz, which is no session use) until its child is stopped.
  let r;
  const idleUntil = Date.now() + 8000;
  do {
    await new Promise((res) => setTimeout(res, 250));
    r = await raw(gw.port, 'GET', '/healthz');
  } while (r.status === 200 && Date.now() < idleUntil && !/child \d+ exited/.test(gw.log()));
  r = await raw(gw.port, 'POST', '/mcp', { ...h, 'Mcp-Session-Id': sid }, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
  report.check(r.status === 404, 'a session idle past session_idle_timeout_ms is ended (404)', String(r.status));
  report.check(/child \d+ exited/.test(gw.log()), "the ended session's upstream child was stopped", gw.log());
  r = await raw(gw.port, 'GET', '/healthz');
  report.check(r.status === 200 && gw.proc.exitCode === null, 'the gateway is still serving after its timers fired several times');
  r = await raw(gw.port, 'POST', '/mcp', h, { jsonrpc: '2.0', id: 3, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'h', version: '1' } } });
  report.check(r.status === 200, 'tokens still validate after background key refreshes', String(r.status));
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw.stop();
}
report.finish();

// Per-principal quotas and rates: one token opens sessions and fires calls until it is refused
// (429 + Retry-After + a JSON-RPC error naming the limit); the gateway's stdio children stay at
// the session quota and its memory does not grow with the refusals; another principal is not
// affected; every refusal is counted in /metrics and audited.
// Regression: with one read-only token, 300 initialize requests made 300 sessions and 300 child
// processes (the only bound was limits.max_sessions, 10,000, for everyone together).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Report, raw, root, startGateway, tempDir, testIssuer } from './lib.mjs';

const report = new Report('quotas');
const dir = tempDir();
const issuer = testIssuer(dir);
writeFileSync(join(dir, 'jwks.json'), issuer.jwks);
const ISS = 'https://issuer.test';
const audit = join(dir, 'audit.jsonl');
const gw = await startGateway(`audit_log: ${audit}
limits:
  per_principal:
    max_sessions: 5
    max_concurrent_requests: 3
    requests_per_second: 20
    burst: 80
    tool_calls: { requests_per_second: 1, burst: 4, overrides: [ { tools: ["test_simple_*"], requests_per_second: 0 } ] }
servers:
  - name: everything
    path: /mcp
    auth:
      issuers: [{ issuer: ${ISS}, algorithms: [ES256], jwks_file: ${join(dir, 'jwks.json')} }]
    upstreams:
      - name: everything
        stdio: { command: ["${join(root, 'build/release/examples/everything/everything_server')}", "--stdio"] }
`);
const P = gw.port;
const tok = (sub) => issuer.mint({ iss: ISS, sub, aud: gw.url, client_id: 'agent', scope: 'mcp:read' });
const base = (token) => ({ 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${token}` });
const initialize = (token) => raw(P, 'POST', '/mcp', base(token), { jsonrpc: '2.0', id: 0, method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: { elicitation: {} }, clientInfo: { name: 'q', version: '1' } } });
const session = (token, sid) => ({ ...base(token), 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' });
const call = (h, name, args = {}, id = 1) => raw(P, 'POST', '/mcp', h, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
const children = () => {
  try { return execFileSync('ps', ['--ppid', String(gw.proc.pid), '-o', 'pid=']).toString().trim().split('\n').filter(Boolean).length; }
  catch { return 0; }  // ps exits 1 when there is none
};
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gw.proc.pid}/status`, 'utf8'))[1]);
const limited = (r, reason) => r.status === 429 && Number(r.headers['retry-after']) >= 1 && r.json?.error?.code === -32005 &&
  r.json?.error?.data?.reason === reason;
const metric = async (name) => {
  const m = await raw(P, 'GET', '/metrics');
  const line = m.body.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.split(' ').pop()) : NaN;
};

try {
  const alice = tok('alice');
  const bob = tok('bob');

  // 1. Sessions: the quota holds, and with it the number of child processes.
  const opened = [];
  let firstRefusal = null;
  for (let i = 0; i < 8; i++) {
    const r = await initialize(alice);
    if (r.status === 200) opened.push(r.headers['mcp-session-id']);
    else if (!firstRefusal) firstRefusal = r;
  }
  report.check(opened.length === 5, 'one principal opens exactly max_sessions (5) sessions', `opened ${opened.length}`);
  report.check(firstRefusal && limited(firstRefusal, 'quota_sessions'), 'the next initialize → 429, Retry-After, -32005 quota_sessions',
    firstRefusal ? `${firstRefusal.status} ${firstRefusal.headers['retry-after']} ${firstRefusal.body}` : 'none refused');
  report.check(children() === 5, 'the gateway has 5 child processes (one per session)', `children ${children()}`);
  const rssBefore = rss();
  let refused = 0;
  for (let i = 0; i < 60; i++) if ((await initialize(alice)).status === 429) refused++;
  report.check(refused === 60, '60 more initialize requests with the same token are all refused', `refused ${refused}`);
  report.check(children() === 5, 'still 5 child processes after the flood', `children ${children()}`);
  const growth = rss() - rssBefore;
  report.check(growth < 8 * 1024, 'gateway memory does not grow with refused sessions (< 8 MiB)', `grew ${growth} KiB`);

  // 2. Another principal is unaffected.
  const b = await initialize(bob);
  report.check(b.status === 200 && b.headers['mcp-session-id'], 'another principal opens a session meanwhile', `${b.status} ${b.body.slice(0, 120)}`);
  const bs = session(bob, b.headers['mcp-session-id']);
  await raw(P, 'POST', '/mcp', bs, { jsonrpc: '2.0', method: 'notifications/initialized' });
  report.check(children() === 6, 'and gets its own child process', `children ${children()}`);

  // 3. Per-tool rate: burst 4 at 1/s for test_error_handling; a tool with an override is unlimited.
  const results = [];
  for (let i = 0; i < 6; i++) results.push(await call(bs, 'test_error_handling', {}, 10 + i));
  const firstLimited = results.findIndex((r) => r.status === 429);
  report.check(firstLimited === 4, 'tools/call of one tool is refused after its burst (4)', results.map((r) => r.status).join(','));
  report.check(firstLimited >= 0 && limited(results[firstLimited], 'rate_limited_tool'), '→ 429, Retry-After, -32005 rate_limited_tool',
    firstLimited >= 0 ? results[firstLimited].body : '');
  let free = 0;
  for (let i = 0; i < 8; i++) if ((await call(bs, 'test_simple_text', {}, 30 + i)).status === 200) free++;
  report.check(free === 8, 'another tool (override: no limit) is still served', `served ${free}`);

  // 4. Principal rate: alice's bucket (burst 80) is spent by her flood; she is now rate-limited
  // while bob is not.
  const as = session(alice, opened[0]);
  let r;
  for (let i = 0; i < 100; i++) {
    r = await raw(P, 'POST', '/mcp', as, { jsonrpc: '2.0', id: 100 + i, method: 'ping' });
    if (r.status === 429) break;
  }
  report.check(limited(r, 'rate_limited'), 'requests past the principal rate → 429, Retry-After, -32005 rate_limited', `${r.status} ${r.body}`);
  r = await raw(P, 'POST', '/mcp', bs, { jsonrpc: '2.0', id: 200, method: 'ping' });
  report.check(r.status === 200, 'another principal is not rate-limited', `${r.status}`);

  // 5. Concurrency: requests held open (a tool waiting for the client's elicitation answer) count.
  const carol = tok('carol');
  const c = await initialize(carol);
  const cs = session(carol, c.headers['mcp-session-id']);
  await raw(P, 'POST', '/mcp', cs, { jsonrpc: '2.0', method: 'notifications/initialized' });
  const held = [];
  for (let i = 0; i < 3; i++) {
    held.push(await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: P, method: 'POST', path: '/mcp', headers: cs }, (res) => {
        let text = '';
        const ended = new Promise((r) => res.on('end', () => r(text)));
        res.on('data', (d) => {
          text += d;
          const m = /data: (\{.*"elicitation\/create".*\})/.exec(text);
          if (m) resolve({ req, res, ask: JSON.parse(m[1]), ended });  // the call is open, waiting for the client
        });
      });
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 300 + i, method: 'tools/call', params: { name: 'test_elicitation', arguments: { message: 'hi' } } }));
    }));
  }
  r = await call(cs, 'test_simple_text', {}, 400);
  report.check(limited(r, 'quota_concurrency'), 'a 4th concurrent request of one principal → 429 quota_concurrency', `${r.status} ${r.body}`);
  r = await call(bs, 'test_simple_text', {}, 401);
  report.check(r.status === 200, 'another principal is served meanwhile', `${r.status}`);
  // At the quota, the client's answer to a server request still gets through: it completes work
  // already admitted (refusing it would leave the held calls stuck until their timeout).
  r = await raw(P, 'POST', '/mcp', cs, { jsonrpc: '2.0', id: held[0].ask.id, result: { action: 'decline' } });
  report.check(r.status === 202, 'at the concurrency quota, the answer to an elicitation is accepted', `${r.status} ${r.body}`);
  const finished = await held[0].ended;
  report.check(finished.includes('User response'), 'and the held call completes', finished.slice(-160));
  r = await call(cs, 'test_simple_text', {}, 402);
  report.check(r.status === 200, 'which frees a place for the next request', `${r.status} ${r.body}`);
  for (const h of held) h.req.destroy();

  // 6. A closed session gives its place back.
  r = await raw(P, 'DELETE', '/mcp', session(alice, opened[1]));
  report.check(r.status === 200, 'DELETE ends one of alice\'s sessions', `${r.status}`);

  // 7. /metrics and the audit log.
  const m = {};
  for (const reason of ['quota_sessions', 'rate_limited', 'rate_limited_tool', 'quota_concurrency'])
    m[reason] = await metric(`mcpgate_refusals_total{reason="${reason}"}`);
  report.check(m.quota_sessions >= 3 && m.rate_limited >= 1 && m.rate_limited_tool >= 2 && m.quota_concurrency >= 1,
    '/metrics counts every refusal by reason', JSON.stringify(m));
  report.check(await metric('mcpgate_principal_limit{endpoint="everything",limit="max_sessions"}') === 5, '/metrics shows the configured session quota');
  const lines = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const limitedLines = lines.filter((l) => l.decision === 'limited');
  report.check(limitedLines.some((l) => l.reason === 'quota_sessions' && l.subject === 'alice') &&
    limitedLines.some((l) => l.reason === 'rate_limited_tool' && l.subject === 'bob' && l.target === 'test_error_handling'),
    'refusals are audited with principal, reason and tool', JSON.stringify(limitedLines.slice(0, 2)));
} catch (e) {
  report.check(false, 'no exception', e.stack);
} finally {
  await gw.stop();
}
report.finish();

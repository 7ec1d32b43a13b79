// Overload in front of an upstream: requests beyond max_concurrent_requests wait in line for a
// slot instead of failing; only a full line or an expired wait is shed, as 503 with Retry-After
// and JSON-RPC -32004 (overloaded), never 502 (which means the upstream failed); /metrics shows the
// in-flight count, the queue depth and the shed requests.
// Regression: a request over the in-flight limit got 502 "Upstream unavailable: too many requests
// in flight to this upstream" at once, although the upstream was healthy.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { Report, freePort, raw, root, startGateway } from './lib.mjs';

const report = new Report('overload');
const upPort = await freePort();
const upstream = spawn(join(root, 'build/release/examples/everything/everything_server'), ['--http', `127.0.0.1:${upPort}`],
  { stdio: 'ignore' });
for (let i = 0; i < 100; i++) {
  try { await raw(upPort, 'GET', '/healthz'); break; } catch { await new Promise((r) => setTimeout(r, 50)); }
}
const gw = await startGateway(`servers:
  - name: everything
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: everything
        max_concurrent_requests: 1
        max_pending_requests: 1
        queue_timeout_ms: 1000
        http: { url: "http://127.0.0.1:${upPort}/mcp" }
`);
const P = gw.port;
const base = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
const open = async () => {
  const r = await raw(P, 'POST', '/mcp', base, { jsonrpc: '2.0', id: 0, method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: { elicitation: {} }, clientInfo: { name: 'o', version: '1' } } });
  const h = { ...base, 'Mcp-Session-Id': r.headers['mcp-session-id'], 'MCP-Protocol-Version': '2025-11-25' };
  await raw(P, 'POST', '/mcp', h, { jsonrpc: '2.0', method: 'notifications/initialized' });
  return h;
};
const simple = (h, id) => raw(P, 'POST', '/mcp', h, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'test_simple_text', arguments: {} } });
const metric = async (name) => {
  const line = (await raw(P, 'GET', '/metrics')).body.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.split(' ').pop()) : NaN;
};
const U = 'endpoint="everything",upstream="everything"';
const shed = (r, reason) => r.status === 503 && r.headers['retry-after'] === '1' && r.json?.error?.code === -32004 &&
  r.json?.error?.data?.reason === reason;

try {
  const a = await open();
  const b = await open();
  const c = await open();

  // Session a holds the only slot: a tool waiting for the client's answer to an elicitation.
  let stream = '';
  let answered;
  const done = new Promise((resolve) => { answered = resolve; });
  const elicitation = await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: P, method: 'POST', path: '/mcp', headers: a }, (res) => {
      res.on('data', (d) => {
        stream += d;
        const m = /data: (\{.*"elicitation\/create".*\})/.exec(stream);
        if (m) resolve(JSON.parse(m[1]));
      });
      res.on('end', () => answered(stream));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'test_elicitation', arguments: { message: 'hi' } } }));
  });
  report.check(await metric(`mcpgate_upstream_in_flight{${U}}`) === 1, '/metrics: one request in flight at the upstream');

  // b waits in line (the only place); c finds the line full.
  const waiting = simple(b, 2);
  for (let i = 0; i < 100 && await metric(`mcpgate_upstream_queue_depth{${U}}`) !== 1; i++) await new Promise((r) => setTimeout(r, 10));
  report.check(await metric(`mcpgate_upstream_queue_depth{${U}}`) === 1, '/metrics: one request waiting in line');
  let r = await simple(c, 3);
  report.check(shed(r, 'overloaded_queue_full'), 'a request that finds the line full → 503, Retry-After: 1, -32004 overloaded_queue_full',
    `${r.status} ${r.headers['retry-after']} ${r.body}`);
  r = await waiting;
  report.check(shed(r, 'overloaded_queue_timeout'), 'a request that waits past queue_timeout_ms → 503 overloaded_queue_timeout (not 502)',
    `${r.status} ${r.body}`);

  // A request that waits less than the timeout is served once the slot frees.
  const queued = simple(b, 4);
  for (let i = 0; i < 100 && await metric(`mcpgate_upstream_queue_depth{${U}}`) !== 1; i++) await new Promise((res) => setTimeout(res, 5));
  const ans = await raw(P, 'POST', '/mcp', a, { jsonrpc: '2.0', id: elicitation.id, result: { action: 'accept', content: { username: 'u', email: 'e@x' } } });
  report.check(ans.status === 202, 'the client answers the elicitation', `${ans.status} ${ans.body}`);
  const held = await done;
  report.check(held.includes('User response'), 'the held call completes', held.slice(-200));
  r = await queued;
  report.check(r.status === 200 && r.json?.result, 'the queued request is served when the slot frees (200)', `${r.status} ${r.body}`);

  report.check(await metric(`mcpgate_upstream_shed_total{${U},reason="queue_full"}`) === 1 &&
    await metric(`mcpgate_upstream_shed_total{${U},reason="queue_timeout"}`) === 1, '/metrics: shed requests by reason');
  report.check(await metric('mcpgate_refusals_total{reason="overloaded_queue_full"}') === 1 &&
    await metric('mcpgate_refusals_total{reason="overloaded_queue_timeout"}') === 1, '/metrics: refusals_total by reason');
  report.check(await metric(`mcpgate_upstream_max_in_flight{${U}}`) === 1 && await metric(`mcpgate_upstream_max_pending{${U}}`) === 1,
    '/metrics: the configured limits');
  report.check(await metric('mcpgate_errors_total{reason="upstream_unavailable"}') === 0, 'nothing was answered as an upstream failure');
} catch (e) {
  report.check(false, 'no exception', e.stack);
} finally {
  await gw.stop();
  upstream.kill();
}
report.finish();

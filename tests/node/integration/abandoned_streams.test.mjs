// Clients that go away. The TypeScript SDK client, one Client per call (connect, call, close),
// leaves its standalone GET stream behind every time it closes: the gateway must notice each
// close at once, so that the connection is closed (not left in CLOSE-WAIT until the next
// keep-alive write) and so is the upstream stream the gateway held open for it (2025-11-25
// transports: one GET stream per listening session); read from /proc/net/tcp, so that what is
// counted is what the kernel holds. And a 2026-07-28 client that closes its connection while its
// call waits for a slow tool has cancelled the call (closing is cancellation, MUST): the call
// stops holding the upstream's only slot, whereas a 2025-11-25 call's disconnect is not a
// cancellation and its slot stays taken until the tool answers. Stateless clients share one stdio
// child and pick the same ids: the one that leaves cancels its own call, never another's.
// A 2025-11-25 client that cancels (notifications/cancelled) ends its call at once, without a
// response, freed or queued: a queued one is never sent.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { Report, freePort, raw, root, startGateway } from './lib.mjs';
import { scratchDir } from './support/scratch.mjs';

const report = new Report('abandoned-streams');
const upPort = await freePort();
const upstream = spawn(join(root, 'build/release/examples/everything/everything_server'), ['--http', `127.0.0.1:${upPort}`],
  { stdio: ['ignore', 'ignore', 'pipe'] });
await new Promise((resolve, reject) => {
  let log = '';
  upstream.stderr.on('data', (d) => { log += d; if (log.includes('listening')) resolve(); });
  upstream.on('exit', () => reject(new Error(`upstream exited: ${log}`)));
});
const gw = await startGateway(`servers:
  - name: everything
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: up
        http: { url: "http://127.0.0.1:${upPort}/mcp" }
        max_concurrent_requests: 1
        queue_timeout_ms: 20000
`);

// TCP sockets on loopback by state: CLOSE-WAIT (08) on the gateway's port, and ESTABLISHED (01)
// ones whose far end is the upstream's port (the gateway's connections to it).
function sockets() {
  const hex = (p) => p.toString(16).toUpperCase().padStart(4, '0');
  let closeWait = 0, toUpstream = 0;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const local = f[1].split(':')[1], remote = f[2].split(':')[1], state = f[3];
    if (local === hex(gw.port) && state === '08') closeWait++;
    if (remote === hex(upPort) && state === '01') toUpstream++;
  }
  return { closeWait, toUpstream };
}

try {
  // A client that stays keeps its stream: the watch does not mistake an idle client for a gone one.
  const stay = new Client({ name: 'staying', version: '1' });
  await stay.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
  await new Promise((r) => setTimeout(r, 300));
  const kept = await stay.callTool({ name: 'greet', arguments: { name: 'still-here' } });
  report.check(JSON.stringify(kept).includes('still-here'), 'a client that keeps its stream open is served as before');
  await stay.close();

  const calls = 40;
  let ok = 0;
  const failures = [];
  for (let i = 0; i < calls; i++) {
    const client = new Client({ name: 'short-lived', version: '1' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
      const r = await client.callTool({ name: 'greet', arguments: { name: `n${i}` } });
      if (JSON.stringify(r).includes(`n${i}`)) ok++; else failures.push(JSON.stringify(r).slice(0, 120));
      await client.close();
    } catch (e) { failures.push(String(e).slice(0, 160)); }
  }
  report.check(ok === calls, `${calls} short-lived SDK clients each connect, call and close`, failures.join(' | '));

  // Each client's GET stream is abandoned at close(). The gateway's keep-alive comment goes out
  // every 15 s: what is gone within 5 s was noticed by the gateway itself.
  const until = Date.now() + 5000;
  let s = sockets();
  while ((s.closeWait > 0 || s.toUpstream > 4) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    s = sockets();
  }
  report.check(s.closeWait === 0, 'no connection the clients closed is left in CLOSE-WAIT at the gateway', `${s.closeWait} left`);
  report.check(s.toUpstream <= 4, 'the upstream streams held for those clients are closed (a few pooled connections remain)',
    `${s.toUpstream} connections to the upstream`);

  // ---- a call whose client leaves while it waits --------------------------------------------
  const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
  const modern = (name) => ({ 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
    'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': name });
  const metric = async (prefix) => {
    const r = await raw(gw.port, 'GET', '/metrics');
    const line = r.body.split('\n').find((l) => l.startsWith(prefix));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const inFlight = () => metric('mcpgate_upstream_in_flight{');
  // Sends a request and closes the connection `after` ms later, without reading the answer.
  const sendThenLeave = (headers, body, after) => new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: gw.port, method: 'POST', path: '/mcp', headers });
    req.on('error', () => {});
    req.end(JSON.stringify(body));
    setTimeout(() => { req.destroy(); resolve(); }, after);
  });
  const waitFor = async (cond, ms) => {
    const until = Date.now() + ms;
    while (!(await cond()) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    return cond();
  };

  await sendThenLeave(modern('slow_compute'),
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow_compute', arguments: { seconds: 30 }, _meta: meta } }, 300);
  const freed = await waitFor(async () => (await inFlight()) === 0, 5000);
  report.check(freed, '2026-07-28: a call whose client closed its connection stops holding the upstream slot (closing is cancellation)',
    `${await inFlight()} in flight 5 s later; the tool takes 30 s`);
  const t0 = Date.now();
  const next = await raw(gw.port, 'POST', '/mcp', modern('greet'),
    { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'greet', arguments: { name: 'next' }, _meta: meta } });
  report.check(next.status === 200 && JSON.stringify(next.json).includes('next'),
    'the next call gets the only slot at once', `${next.status} after ${Date.now() - t0} ms`);
  report.check(await metric('mcpgate_errors_total{reason="client_gone"}') >= 1, 'the abandoned call is counted (errors_total, client_gone)');

  // Closing while the call waits in line for the only slot: it leaves the line at once.
  const holding = raw(gw.port, 'POST', '/mcp', modern('slow_compute'),
    { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'slow_compute', arguments: { seconds: 3 }, _meta: meta } });
  await waitFor(async () => (await inFlight()) === 1, 5000);
  const depth = () => metric('mcpgate_upstream_queue_depth{');
  const leaving = sendThenLeave(modern('greet'),
    { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'greet', arguments: { name: 'in-line' }, _meta: meta } }, 300);
  const lined = await waitFor(async () => (await depth()) === 1, 250);
  await leaving;
  const left = await waitFor(async () => (await depth()) === 0, 700);
  report.check(lined && left && (await inFlight()) === 1,
    '2026-07-28: a call whose client closes its connection while it waits in line leaves the line at once (the 3 s call still holds the slot)',
    `queued ${lined}, left ${left}, ${await inFlight()} in flight`);
  await holding;

  // 2025-11-25: a disconnect is not a cancellation. The call keeps its slot until the tool answers.
  const init = await raw(gw.port, 'POST', '/mcp', { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
  const sid = init.headers['mcp-session-id'];
  const legacy = { 'Content-Type': 'application/json', Accept: 'application/json', 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' };
  await raw(gw.port, 'POST', '/mcp', legacy, { jsonrpc: '2.0', method: 'notifications/initialized' });
  await sendThenLeave(legacy, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'slow_compute', arguments: { seconds: 3 } } }, 300);
  await new Promise((r) => setTimeout(r, 1500));
  report.check((await inFlight()) === 1, '2025-11-25: a disconnect is not a cancellation; the call still holds its slot', `${await inFlight()} in flight`);
  report.check(await waitFor(async () => (await inFlight()) === 0, 10000), '…until the tool answers');

  // 2025-11-25: an explicit notifications/cancelled is the cancellation. The call ends at once,
  // without waiting for the 30 s tool, and frees the slot (basic/utilities/cancellation: the
  // receiver frees the request's resources and sends no response; this client takes JSON only,
  // so it gets the one body the transport requires, an error it ignores).
  const slowCall = raw(gw.port, 'POST', '/mcp', legacy,
    { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'slow_compute', arguments: { seconds: 30 } } });
  report.check(await waitFor(async () => (await inFlight()) === 1, 5000), '2025-11-25: a 30 s call holds the slot');
  const cancelAt = Date.now();
  const note = await raw(gw.port, 'POST', '/mcp', legacy, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 4, reason: 'stop' } });
  const ended = await slowCall;
  const endedMs = Date.now() - cancelAt;
  report.check(note.status === 202 && ended.status === 200 && ended.json?.id === 4 && ended.json?.error?.code === -32003 && endedMs < 2000,
    '2025-11-25: notifications/cancelled ends the call at once (a JSON-only client gets 200 with -32003)', `${note.status} ${ended.status} ${ended.body} after ${endedMs} ms`);
  report.check(await waitFor(async () => (await inFlight()) === 0, 2000) && await metric('mcpgate_errors_total{reason="client_cancelled"}') >= 1,
    '…its slot is free at once, and it is counted (errors_total, client_cancelled)', `${await inFlight()} in flight`);
  // Cancelled while queued behind the only slot: it leaves the line at once and is never sent. A
  // recording child (every message it receives is logged, in order) behind an upstream with one
  // slot; the call holding it ends at its 1.5 s request timeout, after which the slot is free.
  {
    const log = join(scratchDir(), 'received.jsonl');
    const recording = join(root, 'tests/node/integration/support/recording_upstream.mjs');
    const qgw = await startGateway(`servers:
  - name: q
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: rec
        stdio: { command: ["${process.execPath}", "${recording}", "${log}"] }
        max_concurrent_requests: 1
        queue_timeout_ms: 20000
        request_timeout_ms: 1500
`);
    const json = { 'Content-Type': 'application/json', Accept: 'application/json' };
    const i = await raw(qgw.port, 'POST', '/mcp', json,
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'q', version: '1' } } });
    const qs = { ...json, 'Mcp-Session-Id': i.headers['mcp-session-id'], 'MCP-Protocol-Version': '2025-11-25' };
    await raw(qgw.port, 'POST', '/mcp', qs, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const received = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
    const holder = raw(qgw.port, 'POST', '/mcp', qs, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'hold', arguments: {} } });
    await waitFor(async () => received().some((m) => m.params?.name === 'hold'), 5000);
    const queued = raw(qgw.port, 'POST', '/mcp', qs,
      { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'read_file', arguments: { tag: 'queued-then-cancelled' } } });
    await new Promise((r) => setTimeout(r, 300));
    const cancelAt = Date.now();
    const note = await raw(qgw.port, 'POST', '/mcp', qs, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 6 } });
    const q = await queued;
    const qMs = Date.now() - cancelAt;
    const held = await holder;
    // A later call through the same child: once it is answered, anything sent before it is logged.
    const after = await raw(qgw.port, 'POST', '/mcp', qs, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'read_file', arguments: { tag: 'after' } } });
    const tags = received().filter((m) => m.method === 'tools/call').map((m) => m.params?.arguments?.tag ?? m.params?.name);
    report.check(note.status === 202 && held.status === 504 && q.json?.error?.code === -32003 && qMs < 1000 && after.status === 200 &&
      tags.includes('after') && !tags.includes('queued-then-cancelled'),
      '2025-11-25: a call cancelled while queued behind the only slot ends at once, as cancelled, and is never sent to the upstream',
      `${note.status} ${held.status} ${q.status} ${q.body} after ${qMs} ms ${after.status}; the child received ${JSON.stringify(tags)}`);
    await qgw.stop();
  }

  // ---- two stateless clients, one id, one shared child ----------------------------------------
  // Every 2026-07-28 client of a stdio upstream shares one child, and clients pick the same ids.
  // A leaves while its 30 s call runs; B's call with the same id, begun after A's, must be the
  // one that goes on: the cancellation the child is sent names A's request, not B's (which id
  // the child is given is StdioUpstreamTest.AbandonCancelsOnlyTheRequestOfThatInbox).
  const stdioGw = await startGateway(`servers:
  - name: everything
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: up
        stdio: { command: ["${join(root, 'build/release/examples/everything/everything_server')}", "--stdio"] }
        request_timeout_ms: 8000
`);
  try {
    const slow = (seconds) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow_compute', arguments: { seconds }, _meta: meta } });
    const aLeaves = new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: stdioGw.port, method: 'POST', path: '/mcp', headers: modern('slow_compute') });
      req.on('error', () => {});
      req.end(JSON.stringify(slow(30)));
      // B's request is begun after A's (id 1 both), then A leaves.
      setTimeout(() => { req.destroy(); resolve(); }, 600);
    });
    await new Promise((r) => setTimeout(r, 200));
    const t1 = Date.now();
    const b = raw(stdioGw.port, 'POST', '/mcp', modern('slow_compute'), slow(1.5));
    await aLeaves;
    const bAnswer = await b;
    report.check(bAnswer.status === 200 && bAnswer.json?.result && !bAnswer.json?.error,
      'stateless clients share a child: the one that left cancels its own call, another client\'s call with the same id is answered',
      `${bAnswer.status} after ${Date.now() - t1} ms: ${JSON.stringify(bAnswer.json).slice(0, 160)}`);
  } finally {
    await stdioGw.stop();
  }
} finally {
  if (gw.proc.exitCode === null) await gw.stop();
  upstream.kill('SIGTERM');
}
report.finish();

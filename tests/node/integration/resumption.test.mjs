// 2025-11-25 transports, "Resumability and Redelivery": a client that loses a POST's SSE stream
// resumes it with GET + Last-Event-ID and receives the rest of that stream (and only that one).
import http from 'node:http';
import { join } from 'node:path';
import { Report, raw, root, startGateway } from './lib.mjs';

const everything = join(root, 'tests/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const report = new Report('resumption');
const gw = await startGateway(`servers:
  - name: everything
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: everything
        stdio: { command: ["${process.execPath}", "${everything}", "stdio"] }
`);
const P = gw.port;
const base = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

// Reads SSE events until `stopAfter` events with data have arrived, then drops the connection.
function readEvents(method, headers, body, stopAfter) {
  return new Promise((resolve, reject) => {
    const events = [];
    let buf = '';
    const req = http.request({ host: '127.0.0.1', port: P, method, path: '/mcp', headers }, (res) => {
      res.on('data', (d) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i); buf = buf.slice(i + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data) events.push({ id, message: JSON.parse(data) });
          else if (id) events.push({ id, priming: true });
          if (events.filter((e) => e.message).length >= stopAfter) { req.destroy(); resolve({ status: res.statusCode, events }); return; }
        }
      });
      res.on('end', () => resolve({ status: res.statusCode, events }));
    });
    req.on('error', (e) => (e.code === 'ECONNRESET' ? resolve({ events }) : reject(e)));
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

try {
  const init = await raw(P, 'POST', '/mcp', base, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'r', version: '1' } } });
  const sid = init.headers['mcp-session-id'];
  const h = { ...base, 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' };
  await raw(P, 'POST', '/mcp', h, { jsonrpc: '2.0', method: 'notifications/initialized' });

  const first = await readEvents('POST', h, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 2, steps: 4 }, _meta: { progressToken: 'tok' } } }, 2);
  report.check(first.events[0]?.priming === true, 'the stream starts with a priming event (id, empty data)', JSON.stringify(first.events[0]));
  const got = first.events.filter((e) => e.message);
  report.check(got.length === 2 && got.every((e) => e.message.method === 'notifications/progress' && e.message.params.progressToken === 'tok'),
    'progress notifications arrive with the client\'s own token', JSON.stringify(got));
  const last = got[got.length - 1].id;

  const rest = await readEvents('GET', { Accept: 'text/event-stream', 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25', 'Last-Event-ID': last }, null, 100);
  const msgs = rest.events.filter((e) => e.message);
  const progress = msgs.filter((e) => e.message.method === 'notifications/progress').map((e) => e.message.params.progress);
  const reply = msgs.find((e) => e.message.id === 7);
  report.check(rest.status === 200, 'GET with Last-Event-ID → 200', String(rest.status));
  report.check(reply && JSON.stringify(reply.message.result).includes('Long running operation completed'), 'the reply arrives on the resumed stream', JSON.stringify(msgs.map((e) => e.message)));
  report.check(progress.length === 2 && progress.every((p) => p > got[1].message.params.progress), 'only the events after Last-Event-ID are replayed', JSON.stringify(progress));
  const other = await raw(P, 'GET', '/mcp', { Accept: 'text/event-stream', 'Mcp-Session-Id': sid, 'Last-Event-ID': 'not-a-stream_1' });
  report.check(other.status === 404, 'an unknown stream id is refused', String(other.status));
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw.stop();
}
report.finish();

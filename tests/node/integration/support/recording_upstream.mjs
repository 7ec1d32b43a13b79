// A stdio MCP server (2025-11-25) that records every message it receives, as one JSON line in
// the file named by its first argument, before it acts on it. Tests read that file to learn
// exactly what reached the upstream through the gateway. It executes whatever it is asked: a
// tools/call notification runs the tool just like a request (the hostile case a gateway must
// never let through), and it answers any method, known or not.
//
// Ordering: the log line is written synchronously before the reply, and a stdio pipe is ordered,
// so once a client has the reply to a later request every earlier message that was forwarded is
// already in the file.
//
// Also a Streamable HTTP server (2025-11-25, JSON answers) through startRecordingHttpUpstream():
// then each line also carries the request's Mcp-Method, Mcp-Name and X-Request-Id headers (`_headers`).
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const text = (s) => ({ content: [{ type: 'text', text: s }] });

const tools = [
  { name: 'read_file', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } },
  { name: 'write_file', inputSchema: { type: 'object' } },
  { name: 'delete_all', inputSchema: { type: 'object' } },
];

let held = null;  // a `hold` call answered only when `release` comes (an in-flight request, no timers)

// Acts on one message; `send` carries every message the server sends.
function handle(m, send) {
  const reply = (id, result) => send({ jsonrpc: '2.0', id, result });
  if (m.method === undefined) return;  // an answer to a request of ours (we send none)
  const p = m.params ?? {};
  const isRequest = m.id !== undefined;
  const answer = (result) => { if (isRequest) reply(m.id, result); };
  switch (m.method) {
    case 'initialize':
      answer({ protocolVersion: '2025-11-25', capabilities: { tools: {}, resources: { subscribe: true }, prompts: {}, completions: {} },
        serverInfo: { name: 'recording', version: '1' } });
      return;
    case 'server/discover':
      send({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'Method not found' } });
      return;
    case 'tools/list': answer({ tools }); return;
    case 'tools/call':
      if (p.name === 'hold') { held = m.id; return; }
      if (p.name === 'release' && held !== null) { reply(held, text('released')); held = null; }
      answer(text(`executed ${p.name}`));
      return;
    case 'resources/list':
      answer({ resources: [
        { uri: 'res://public/1', name: 'one' },
        { uri: 'res://public/../secret/1', name: 'traversal' },
        { uri: 'res://public/%2e%2e/secret/2', name: 'encoded traversal' },
        { uri: 'res://public/a%2Fb', name: 'encoded slash' },
        { uri: 'RES://PUBLIC/2', name: 'upper case' },
      ] });
      return;
    case 'resources/templates/list': answer({ resourceTemplates: [] }); return;
    case 'resources/read': answer({ contents: [{ uri: p.uri, text: `contents of ${p.uri}` }] }); return;
    case 'resources/subscribe': case 'resources/unsubscribe': answer({}); return;
    case 'prompts/list': answer({ prompts: [{ name: 'greet' }] }); return;
    case 'prompts/get': answer({ messages: [{ role: 'user', content: { type: 'text', text: `prompt ${p.name}` } }] }); return;
    case 'completion/complete': answer({ completion: { values: [] } }); return;
    default: answer({ echoed: m.method });
  }
}

// `modern`: also answers server/discover, so that the gateway talks 2026-07-28 to it (and sends
// the Mcp-Method / Mcp-Name headers it computes from the body it forwards).
export async function startRecordingHttpUpstream(logFile, { modern = false } = {}) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      let m;
      try { m = JSON.parse(body); } catch { res.writeHead(400).end(); return; }
      appendFileSync(logFile, `${JSON.stringify({ ...m, _headers: { method: req.headers['mcp-method'], name: req.headers['mcp-name'], requestId: req.headers['x-request-id'] } })}\n`);
      let answer = null;
      if (modern && m.method === 'server/discover') {
        answer = { jsonrpc: '2.0', id: m.id, result: { supportedVersions: ['2026-07-28'], capabilities: { tools: {}, resources: {} },
          serverInfo: { name: 'recording', version: '1' }, resultType: 'complete' } };
      } else {
        handle(m, (out) => { if (out.id === m.id) answer = out; });
      }
      if (!answer) { res.writeHead(202).end(); return; }
      res.writeHead(200, { 'Content-Type': 'application/json', ...(m.method === 'initialize' ? { 'Mcp-Session-Id': 'recording-session' } : {}) })
        .end(JSON.stringify(answer));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/mcp`, stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const logFile = process.argv[2];
  createInterface({ input: process.stdin }).on('line', (line) => {
    appendFileSync(logFile, `${line}\n`);
    let m;
    try { m = JSON.parse(line); } catch { return; }
    handle(m, (out) => process.stdout.write(`${JSON.stringify(out)}\n`));
  });
}

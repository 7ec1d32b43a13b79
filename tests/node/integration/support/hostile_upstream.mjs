// A Streamable HTTP MCP server of the 2025-11-25 era that is strict about sessions, and whose
// tools/list answer is an SSE stream with hostile framing: split into many small writes (mid
// line, between CR and LF, inside UTF-8 sequences), with frames before the reply that must never
// reach a client (malformed JSON, a reply to another id, an `event: other` frame, comments) and,
// in the 'malformed-final' variant, no valid reply at all.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

export const ALLOWED = [
  { name: 'read_file', description: 'Reads a file. 読み取り専用 🚀', inputSchema: { type: 'object' } },
  { name: 'read_ünïcode_notes', description: 'Ünïcödé → ✓ €', inputSchema: { type: 'object' } },
];
// Every name here must never appear in a byte a read-only client receives.
export const FORBIDDEN = ['write_file', 'delete_everything', 'drop_database', 'exfiltrate_secrets', 'admin_shell', 'purge_backups'];
const forbiddenTool = (name) => ({ name, description: `dangerous: ${name} ☠`, inputSchema: { type: 'object' } });
const LEGACY_VERSIONS = new Set(['2025-11-25', '2025-06-18', '2025-03-26']);

function hostileStream(id, variant) {
  const frame = (lines) => lines.map((l) => `${l}\r\n`).join('') + '\r\n';
  const listJson = (rid, tools) => JSON.stringify({ jsonrpc: '2.0', id: rid, result: { tools } });
  const otherId = typeof id === 'number' ? id + 1000 : `${id}-not-yours`;
  const full = listJson(id, [ALLOWED[0], forbiddenTool('write_file'), ALLOWED[1], forbiddenTool('delete_everything')]);
  let s = '';
  s += ': keep-alive comment naming admin_shell\r\n\r\n';
  s += frame(['retry: 1000']);
  s += frame(['event: message', 'data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"warming up ✓"}}']);
  // Malformed JSON, the right id, a forbidden tool in it.
  s += frame([`data: {"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"tools":[{"name":"purge_backups"}`]);
  // A well-formed reply to a request nobody made.
  s += frame(['id: 3', `data: ${listJson(otherId, [forbiddenTool('drop_database'), forbiddenTool('admin_shell')])}`]);
  // The right id, but not a message event.
  s += frame(['event: other', `data: ${listJson(id, [forbiddenTool('exfiltrate_secrets')])}`]);
  s += frame(['unknown-field: x', ':a comment inside a frame: write_file', 'data:']);
  if (variant === 'malformed-final') {
    // The reply that would carry the list is cut short: there is no valid reply in this stream.
    s += frame(['id: 4', 'event: message', `data: ${full.slice(0, full.length - 3)}`]);
  } else {
    // The real reply, its JSON spread over two data lines (joined with LF by the SSE rules).
    const cut = full.indexOf('"result"');
    s += frame(['id: 4', 'event: message', `data: ${full.slice(0, cut)}`, `data:${full.slice(cut)}`]);
    // A second reply to the same id after the first: must be ignored.
    s += frame(['id: 5', `data: ${listJson(id, [forbiddenTool('admin_shell'), forbiddenTool('write_file')])}`]);
  }
  return Buffer.from(s, 'utf8');
}

// Split points: many small pieces, plus every CR|LF boundary and a cut inside every multi-byte
// UTF-8 sequence.
function pieces(buf) {
  const cuts = new Set();
  let seed = 7;
  for (let i = 1; i < buf.length;) {
    cuts.add(i);
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    i += 1 + (seed % 23);
  }
  for (let i = 1; i < buf.length; i++) {
    if (buf[i - 1] === 0x0d && buf[i] === 0x0a) cuts.add(i);
    if ((buf[i] & 0xc0) === 0x80 && (buf[i - 1] & 0xc0) !== 0x80) cuts.add(i);  // after a lead byte
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const out = [];
  let prev = 0;
  for (const c of sorted) { out.push(buf.subarray(prev, c)); prev = c; }
  out.push(buf.subarray(prev));
  return out;
}

export async function startHostileUpstream() {
  const state = { variant: 'hostile', requests: [], listCalls: 0, sessions: new Set() };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', async () => {
      const headers = req.headers;
      state.requests.push({ method: req.method, headers, body });
      const json = (status, obj, extra = {}) => res.writeHead(status, { 'Content-Type': 'application/json', ...extra }).end(JSON.stringify(obj));
      if (req.method === 'DELETE') { state.sessions.delete(headers['mcp-session-id']); res.writeHead(200).end(); return; }
      if (req.method !== 'POST') { res.writeHead(405).end(); return; }
      let msg;
      try { msg = JSON.parse(body); } catch { json(400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }); return; }
      if (msg.method === 'initialize') {
        const sid = randomUUID();
        state.sessions.add(sid);
        json(200, { jsonrpc: '2.0', id: msg.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: { listChanged: false } }, serverInfo: { name: 'hostile', version: '1' } } },
          { 'Mcp-Session-Id': sid });
        return;
      }
      // As the 2025-11-25 transport requires of a server that issued a session id.
      const sid = headers['mcp-session-id'];
      if (!sid) { json(400, { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Bad Request: No valid session ID provided' } }); return; }
      if (!state.sessions.has(sid)) { json(404, { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }); return; }
      const v = headers['mcp-protocol-version'];
      if (v !== undefined && !LEGACY_VERSIONS.has(v)) {
        json(400, { jsonrpc: '2.0', id: null, error: { code: -32000, message: `Bad Request: Unsupported protocol version: ${v}` } });
        return;
      }
      if (msg.id === undefined) { res.writeHead(202).end(); return; }
      if (msg.method === 'tools/list') {
        state.listCalls++;
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
        res.flushHeaders();
        res.socket.setNoDelay(true);
        for (const p of pieces(hostileStream(msg.id, state.variant))) {
          res.write(p);
          await new Promise((r) => setTimeout(r, 1));  // each piece its own TCP write
        }
        res.end();
        return;
      }
      json(200, { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/mcp`,
    state,
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

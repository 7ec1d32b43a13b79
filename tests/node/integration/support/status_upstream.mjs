// A Streamable HTTP MCP server that misbehaves on demand, and records what reached it. The tool
// named in a tools/call picks the answer (see BEHAVIOURS); every answer that must not reach a
// client carries SECRET_BODY, so a test can look for it in what the client got.
//   era 'legacy': initialize opens a session (Mcp-Session-Id); server/discover is refused with a
//                 400 that is not a modern error (the way a 2025-11-25 server answers it).
//   era 'modern': server/discover answers; no sessions.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

export const SECRET_BODY = 'UPSTREAM-BODY-SECRET-7f3a';

const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};
const result = (id, text) => ({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }], resultType: 'complete' } });

// tool name → what the upstream answers to tools/call.
export const BEHAVIOURS = {
  ok: (res, id) => json(res, 200, result(id, 'fine')),
  http_500_result: (res, id) => json(res, 500, result(id, SECRET_BODY)),
  http_500_sse: (res, id) => {
    res.writeHead(500, { 'content-type': 'text/event-stream' });
    res.end(`event: message\ndata: ${JSON.stringify(result(id, SECRET_BODY))}\n\n`);
  },
  http_503_error: (res, id) => json(res, 503, { jsonrpc: '2.0', id, error: { code: -32603, message: SECRET_BODY } }),
  http_401: (res, id) => json(res, 401, { jsonrpc: '2.0', id, error: { code: -32001, message: SECRET_BODY } },
    { 'www-authenticate': `Bearer error="invalid_token", error_description="${SECRET_BODY}"` }),
  http_403: (res, id) => json(res, 403, result(id, SECRET_BODY)),
  http_302: (res, id) => json(res, 302, result(id, SECRET_BODY), { location: 'http://127.0.0.1:9/elsewhere' }),
  http_202_for_request: (res) => { res.writeHead(202); res.end(); },
  http_204_for_request: (res) => { res.writeHead(204); res.end(); },
  wrong_id: (res, id) => json(res, 200, result(typeof id === 'number' ? id + 1000 : `${id}-other`, SECRET_BODY)),
  wrong_id_sse: (res, id) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`data: ${JSON.stringify(result(typeof id === 'number' ? id + 1000 : `${id}-other`, SECRET_BODY))}\n\n`);
  },
  text_html: (res, id) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(JSON.stringify(result(id, SECRET_BODY))); },
  no_content_type: (res, id) => { res.writeHead(200); res.end(JSON.stringify(result(id, SECRET_BODY))); },
  not_json: (res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(`<html>${SECRET_BODY}</html>`); },
  // A modern server's own JSON-RPC error travels with a 4xx (2026-07-28 transports): relayed.
  http_400_rpc_error: (res, id) => json(res, 400, { jsonrpc: '2.0', id, error: { code: -32602, message: 'Invalid params: no such thing' } }),
  // Tools with x-mcp-header annotations: the upstream answers and records the headers it got.
  routed: (res, id) => json(res, 200, result(id, 'routed')),
  // The legacy session is gone (2025-11-25 transports, "Session Management").
  expire_session: (res, id, up, session) => { up.sessions.delete(session); json(res, 404, { jsonrpc: '2.0', id, error: { code: -32001, message: SECRET_BODY } }); },
};

// 2026-07-28 transports, "Custom Headers from Tool Parameters": annotated arguments, one nested
// (reachable through `properties` only) and one under `items` (not reachable: no header expected).
export const ROUTED_SCHEMA = {
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    priority: { type: 'integer', 'x-mcp-header': 'Priority' },
    urgent: { type: 'boolean', 'x-mcp-header': 'Urgent' },
    target: { type: 'object', properties: { tenant: { type: 'string', 'x-mcp-header': 'Tenant' } } },
    listed: { type: 'array', items: { type: 'string', 'x-mcp-header': 'Item' } },
    note: { type: 'string' },
  },
};
export const TOOLS = Object.keys(BEHAVIOURS).map((name) => ({ name, description: name,
  inputSchema: name === 'routed' ? ROUTED_SCHEMA : { type: 'object' } }));

export async function startStatusUpstream({ era = 'legacy' } = {}) {
  const up = { era, requests: [], sessions: new Set(), initializes: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      let msg = null;
      try { msg = JSON.parse(body); } catch { /* not JSON */ }
      up.requests.push({ method: req.method, headers: req.headers, body: msg });
      if (req.method === 'DELETE') { up.sessions.delete(req.headers['mcp-session-id']); res.writeHead(200); res.end(); return; }
      if (req.method !== 'POST') { res.writeHead(405); res.end(); return; }
      if (!msg || typeof msg !== 'object') return json(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      const { id, method } = msg;
      if (era === 'legacy') {
        if (method === 'initialize') {
          if (up.failInitialize) return json(res, 500, { jsonrpc: '2.0', id, result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: SECRET_BODY, version: '1' } } });
          const sid = randomUUID();
          up.sessions.add(sid);
          up.initializes++;
          return json(res, 200, { jsonrpc: '2.0', id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'status-upstream', version: '1' } } },
            { 'mcp-session-id': sid });
        }
        if (method === 'server/discover' && !req.headers['mcp-session-id'])
          return json(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Bad Request: Server not initialized' } });
        const sid = req.headers['mcp-session-id'];
        if (!sid || !up.sessions.has(sid)) return json(res, 404, { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } });
        if (id === undefined) { res.writeHead(202); res.end(); return; }
      } else {
        if (id === undefined) { res.writeHead(202); res.end(); return; }
        if (method === 'server/discover')
          return json(res, 200, { jsonrpc: '2.0', id, result: { supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, resultType: 'complete',
            _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'status-upstream', version: '1' } } } });
      }
      if (method === 'tools/list') return json(res, 200, { jsonrpc: '2.0', id, result: { tools: TOOLS } });
      if (method === 'tools/call') {
        const behaviour = BEHAVIOURS[msg.params?.name];
        if (behaviour) return behaviour(res, id, up, req.headers['mcp-session-id']);
      }
      return json(res, era === 'modern' ? 404 : 200, { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  up.port = server.address().port;
  up.url = `http://127.0.0.1:${up.port}/mcp`;
  up.close = () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); });
  return up;
}

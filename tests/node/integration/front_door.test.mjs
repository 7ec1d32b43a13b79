// The gateway's front door, request by request: each malformed or unexpected request gets the
// status and JSON-RPC error the MCP transport specification names, and is never forwarded.
import { join } from 'node:path';
import { Report, raw, root, startGateway } from './lib.mjs';

const everything = join(root, 'tests/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const report = new Report('front-door');
const gw = await startGateway(`limits: { max_body_bytes: 65536, max_header_bytes: 8192 }
servers:
  - name: everything
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: everything
        stdio: { command: ["${process.execPath}", "${everything}", "stdio"] }
`);
const P = gw.port;
const base = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fd', version: '1' } } };
const modernMeta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
const modernHeaders = (method, name) => ({ ...base, 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method, ...(name ? { 'Mcp-Name': name } : {}) });
const code = (r) => r.json?.error?.code;

try {
  // JSON-RPC 2.0 §5.1 / MCP transports: malformed bodies.
  let r = await raw(P, 'POST', '/mcp', base, '{"jsonrpc":"2.0",');
  report.check(r.status === 400 && code(r) === -32700, 'malformed JSON → 400 -32700', `${r.status} ${r.body}`);
  r = await raw(P, 'POST', '/mcp', base, '{"jsonrpc":"2.0","id":1,"method":"initialize","method":"tools/call","params":{}}');
  report.check(r.status === 400 && code(r) === -32700 && /duplicate/.test(r.body), 'duplicate JSON keys → 400 -32700 (parser differential)', r.body);
  r = await raw(P, 'POST', '/mcp', base, '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"a":1,"\\u0061":2}}');
  report.check(r.status === 400 && code(r) === -32700, 'duplicate keys spelled with escapes → 400', r.body);
  r = await raw(P, 'POST', '/mcp', base, [init, init]);
  report.check(r.status === 400 && code(r) === -32600, 'batch → 400 -32600 (batches removed in 2025-06-18)', r.body);
  r = await raw(P, 'POST', '/mcp', base, { id: 1, method: 'initialize' });
  report.check(r.status === 400 && code(r) === -32600, 'missing "jsonrpc" → 400 -32600', r.body);
  r = await raw(P, 'POST', '/mcp', base, { jsonrpc: '2.0', id: 1.5, method: 'tools/list' });
  report.check(r.status === 400 && code(r) === -32600, 'fractional id → 400 -32600', r.body);
  r = await raw(P, 'POST', '/mcp', { ...base, 'Content-Type': 'text/plain' }, init);
  report.check(r.status === 415, 'wrong Content-Type → 415', String(r.status));
  r = await raw(P, 'POST', '/mcp', { ...base, Accept: 'text/html' }, init);
  report.check(r.status === 406, 'unacceptable Accept → 406', String(r.status));
  r = await raw(P, 'POST', '/mcp', base, 'x'.repeat(70000));
  report.check(r.status === 413, 'body over the limit → 413', String(r.status));
  r = await raw(P, 'POST', '/mcp', { ...base, 'X-Big': 'y'.repeat(9000) }, init);
  report.check(r.status === 431, 'header over the limit → 431', String(r.status));

  // Legacy era sessions (2025-11-25 basic/transports "Session Management").
  r = await raw(P, 'POST', '/mcp', base, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
  report.check(r.status === 400, 'request without session → 400', String(r.status));
  r = await raw(P, 'POST', '/mcp', { ...base, 'Mcp-Session-Id': 'no-such-session' }, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
  report.check(r.status === 404, 'unknown session → 404', String(r.status));
  // Regression: a message without an id on these paths crashed the gateway (a g++ 12 coroutine
  // miscompilation of `id ? *id : json::value()` inside co_await); every one must be answered.
  const note = { jsonrpc: '2.0', method: 'notifications/initialized' };
  r = await raw(P, 'POST', '/mcp', { ...base, 'Mcp-Session-Id': 'no-such-session', 'MCP-Protocol-Version': '2025-11-25' }, note);
  report.check(r.status === 404 && code(r) === -32001, 'a notification with an unknown session → 404 (the gateway lives on)', `${r.status} ${r.body}`);
  r = await raw(P, 'POST', '/mcp', base, note);
  report.check(r.status === 400 && code(r) === -32600, 'a notification without a session → 400', `${r.status} ${r.body}`);
  r = await raw(P, 'POST', '/mcp', base, { jsonrpc: '2.0', method: 'notifications/initialized', id: null });
  report.check(r.status === 400, 'a null id → 400', `${r.status} ${r.body}`);
  r = await raw(P, 'POST', '/mcp', base, init);
  const sid = r.headers['mcp-session-id'];
  report.check(r.status === 200 && r.json?.result?.protocolVersion, 'initialize → 200 with a result', r.body.slice(0, 200));
  report.check(typeof sid === 'string' && /^[\x21-\x7E]{32,}$/.test(sid), 'session id: ≥32 visible ASCII characters (MUST 0x21–0x7E)', sid);
  const s = { ...base, 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' };
  r = await raw(P, 'POST', '/mcp', s, { jsonrpc: '2.0', method: 'notifications/initialized' });
  report.check(r.status === 202 && r.body === '', 'notification → 202 with no body', `${r.status} ${r.body}`);
  r = await raw(P, 'POST', '/mcp', { ...s, 'MCP-Protocol-Version': '2025-06-18' }, { jsonrpc: '2.0', id: 3, method: 'tools/list' });
  report.check(r.status === 200 && Array.isArray(r.json?.result?.tools), 'another supported legacy version header is accepted', String(r.status));
  r = await raw(P, 'POST', '/mcp', { ...s, 'MCP-Protocol-Version': '1999-01-01' }, { jsonrpc: '2.0', id: 4, method: 'tools/list' });
  report.check(r.status === 400, 'unsupported MCP-Protocol-Version → 400', String(r.status));
  r = await raw(P, 'POST', '/mcp', s, { jsonrpc: '2.0', id: 5, method: 'ping' });
  report.check(r.status === 200 && r.json?.id === 5 && r.json?.result, 'ping answered with the client id', r.body);
  r = await raw(P, 'POST', '/mcp', s, { jsonrpc: '2.0', id: 'req-6', method: 'no/such/method' });
  report.check(r.json?.id === 'req-6' && code(r) === -32601, 'unknown method → -32601 with the client id', r.body);
  r = await raw(P, 'POST', '/mcp', s, { jsonrpc: '2.0', id: 'mcpgate:0:999', result: {} });
  report.check(r.status === 400, 'response to a request nobody sent → 400', String(r.status));
  r = await raw(P, 'GET', '/mcp', { Accept: 'text/html', 'Mcp-Session-Id': sid });
  report.check(r.status === 406, 'GET stream without text/event-stream → 406', String(r.status));
  r = await raw(P, 'GET', '/mcp', { Accept: 'text/event-stream' });
  report.check(r.status === 405, 'GET without a session → 405', String(r.status));
  r = await raw(P, 'DELETE', '/mcp', { 'Mcp-Session-Id': sid });
  report.check(r.status === 200, 'DELETE ends the session', String(r.status));
  r = await raw(P, 'POST', '/mcp', s, { jsonrpc: '2.0', id: 7, method: 'tools/list' });
  report.check(r.status === 404, 'ended session → 404 (MUST)', String(r.status));
  r = await raw(P, 'DELETE', '/mcp', { 'Mcp-Session-Id': sid });
  report.check(r.status === 404, 'DELETE of an ended session → 404', String(r.status));

  // Current era (2026-07-28): _meta, headers against the body, removed methods.
  r = await raw(P, 'POST', '/mcp', modernHeaders('tools/list'), { jsonrpc: '2.0', id: 10, method: 'tools/list', params: {} });
  report.check(r.status === 400 && code(r) === -32602 && r.json?.id === 10, 'missing _meta → 400 -32602 with the id', r.body);
  r = await raw(P, 'POST', '/mcp', { ...modernHeaders('tools/list'), 'MCP-Protocol-Version': '2026-07-28' },
    { jsonrpc: '2.0', id: 11, method: 'tools/list', params: { _meta: { ...modernMeta, 'io.modelcontextprotocol/protocolVersion': 'v999' } } });
  report.check(r.status === 400 && code(r) === -32020, 'header ≠ _meta version → 400 -32020', r.body);
  r = await raw(P, 'POST', '/mcp', { ...modernHeaders('tools/list'), 'MCP-Protocol-Version': 'v999' },
    { jsonrpc: '2.0', id: 12, method: 'tools/list', params: { _meta: { ...modernMeta, 'io.modelcontextprotocol/protocolVersion': 'v999' } } });
  report.check(r.status === 400 && code(r) === -32022 && r.json?.error?.data?.supported?.includes('2026-07-28') && r.json?.error?.data?.requested === 'v999',
    'unsupported version → 400 -32022 with supported and requested', r.body);
  r = await raw(P, 'POST', '/mcp', modernHeaders('tools/list'), { jsonrpc: '2.0', id: 13, method: 'tools/call', params: { name: 'echo', arguments: {}, _meta: modernMeta } });
  report.check(r.status === 400 && code(r) === -32020, 'Mcp-Method ≠ body method → 400 -32020', r.body);
  r = await raw(P, 'POST', '/mcp', modernHeaders('tools/call', 'get-env'), { jsonrpc: '2.0', id: 14, method: 'tools/call', params: { name: 'echo', arguments: { message: 'x' }, _meta: modernMeta } });
  report.check(r.status === 400 && code(r) === -32020, 'Mcp-Name ≠ tool name → 400 -32020 (the policy sees the body, not the header)', r.body);
  r = await raw(P, 'POST', '/mcp', modernHeaders('tools/call', '=?base64?ZWNobw==?='), { jsonrpc: '2.0', id: 15, method: 'tools/call', params: { name: 'echo', arguments: { message: 'b64' }, _meta: modernMeta } });
  report.check(r.status === 200 && JSON.stringify(r.json?.result ?? {}).includes('b64'), 'Mcp-Name in =?base64?…?= form is decoded', r.body.slice(0, 200));
  for (const m of ['initialize', 'ping', 'logging/setLevel', 'resources/subscribe']) {
    r = await raw(P, 'POST', '/mcp', modernHeaders(m), { jsonrpc: '2.0', id: 16, method: m, params: { _meta: modernMeta } });
    report.check(r.status === 404 && code(r) === -32601, `${m} in 2026-07-28 → 404 -32601`, r.body);
  }
  r = await raw(P, 'POST', '/mcp', modernHeaders('server/discover'), { jsonrpc: '2.0', id: 17, method: 'server/discover', params: { _meta: modernMeta } });
  report.check(r.status === 200 && r.json?.result?.supportedVersions?.includes('2026-07-28') && r.json?.result?.resultType === 'complete',
    'server/discover answered for a legacy upstream', r.body.slice(0, 300));
  r = await raw(P, 'POST', '/mcp', modernHeaders('tools/call', 'echo'), { jsonrpc: '2.0', id: 18, method: 'tools/call', params: { name: 'echo', arguments: { message: 'stateless' }, _meta: modernMeta } });
  report.check(r.status === 200 && r.json?.result?.resultType === 'complete' && JSON.stringify(r.json.result).includes('stateless'),
    'a stateless client reaches a legacy stdio upstream', r.body.slice(0, 300));
  r = await raw(P, 'GET', '/mcp', { Accept: 'text/event-stream', 'MCP-Protocol-Version': '2026-07-28' });
  report.check(r.status === 405, 'GET in 2026-07-28 → 405', String(r.status));
  r = await raw(P, 'DELETE', '/mcp', { 'MCP-Protocol-Version': '2026-07-28' });
  report.check(r.status === 405, 'DELETE in 2026-07-28 → 405', String(r.status));

  // DNS rebinding and CORS (transports "Security Warning": Origin MUST be validated, 403).
  r = await raw(P, 'POST', '/mcp', { ...base, Host: 'evil.example.com' }, init);
  report.check(r.status === 403, 'foreign Host → 403', String(r.status));
  r = await raw(P, 'POST', '/mcp', { ...base, Origin: 'http://evil.example.com' }, init);
  report.check(r.status === 403, 'foreign Origin → 403', String(r.status));
  r = await raw(P, 'POST', '/mcp', { ...base, Origin: 'null' }, init);
  report.check(r.status === 403, 'Origin "null" → 403', String(r.status));
  r = await raw(P, 'POST', '/mcp', { ...base, Origin: `http://localhost:${P}` }, init);
  report.check(r.status === 200 && r.headers['access-control-allow-origin'] === `http://localhost:${P}` &&
    /Mcp-Session-Id/.test(r.headers['access-control-expose-headers'] ?? '') && /WWW-Authenticate/.test(r.headers['access-control-expose-headers'] ?? ''),
    'local Origin accepted; CORS exposes Mcp-Session-Id and WWW-Authenticate', JSON.stringify(r.headers));
  r = await raw(P, 'OPTIONS', '/mcp', { Origin: `http://localhost:${P}`, 'Access-Control-Request-Method': 'POST' });
  report.check(r.status === 204 && /Authorization/.test(r.headers['access-control-allow-headers'] ?? '') && /Mcp-Session-Id/.test(r.headers['access-control-allow-headers'] ?? ''),
    'CORS preflight allows Authorization and the MCP headers', JSON.stringify(r.headers));

  // Operations.
  r = await raw(P, 'GET', '/healthz');
  report.check(r.status === 200, '/healthz → 200');
  r = await raw(P, 'GET', '/metrics');
  report.check(r.status === 200 && /mcpgate_requests_total/.test(r.body) && /mcpgate_errors_total\{reason="forbidden_origin"\} [1-9]/.test(r.body) &&
    /mcpgate_request_duration_seconds_bucket/.test(r.body), '/metrics: requests, latency histogram, errors by reason');
  r = await raw(P, 'GET', '/nope');
  report.check(r.status === 404, 'unknown path → 404');
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw.stop();
}
report.finish();

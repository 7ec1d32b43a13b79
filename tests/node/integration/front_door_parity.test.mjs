// One table of malformed (and a few well-formed) requests, sent to the gateway in front of
// everything_server and to everything_server directly: both HTTP stacks run the same front door
// (mcp/http_front), so each case must get the same HTTP status and JSON-RPC error code from both,
// and that answer is the one the transport specification names (2025-11-25 and 2026-07-28
// basic/transports; 2026-07-28 basic/index "_meta"; JSON-RPC 2.0 §4.2, §5.1).
// Regression: the two disagreed. The library took any Content-Type and Accept, let a 2026-07-28
// notification through unchecked, answered GET or DELETE without a session 400 where the gateway
// answered 405, and refused a _meta.protocolVersion of the wrong type with -32602 where the
// gateway answered -32020.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { Report, freePort, raw, root, startGateway } from './lib.mjs';

const report = new Report('front-door-parity');
const serverBin = process.env.EVERYTHING_BIN ?? join(root, 'build/release/examples/everything/everything_server');
const upPort = await freePort();
const upstream = spawn(serverBin, ['--http', `127.0.0.1:${upPort}`], { stdio: 'ignore' });
for (let i = 0; i < 100; i++) {
  try { await raw(upPort, 'GET', '/healthz'); break; } catch { await new Promise((r) => setTimeout(r, 50)); }
}
// The library's body limit is 4 MiB (net::ServerLimits); the gateway is given the same.
const gw = await startGateway(`limits: { max_body_bytes: 4194304 }
servers:
  - name: everything
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: everything
        http: { url: "http://127.0.0.1:${upPort}/mcp" }
`);

const json = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
const H = (method, name) => ({ ...json, 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method, ...(name ? { 'Mcp-Name': name } : {}) });
const without = (h, k) => Object.fromEntries(Object.entries(h).filter(([n]) => n !== k));
const list = (id = 1, m = meta) => ({ jsonrpc: '2.0', id, method: 'tools/list', params: { _meta: m } });
const call = (name, args = {}) => ({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: args, _meta: meta } });
const b64 = (s) => `=?base64?${Buffer.from(s).toString('base64')}?=`;
const region = { region: 'us-west1' };
const legacyList = { jsonrpc: '2.0', id: 3, method: 'tools/list' };

// [case, method, headers, body, expected status, expected JSON-RPC code (undefined: no error)]
const CASES = [
  // Media types (transports, "Sending Messages to the Server").
  ['wrong Content-Type → 415', 'POST', { ...H('tools/list'), 'Content-Type': 'text/plain' }, list(), 415, -32600],
  ['Accept admitting neither JSON nor SSE → 406', 'POST', { ...H('tools/list'), Accept: 'text/html' }, list(), 406, -32600],
  ['no Accept header: answered in JSON', 'POST', without(H('tools/list'), 'Accept'), list(), 200, undefined],
  ['Accept: application/json only: answered', 'POST', { ...H('tools/list'), Accept: 'application/json' }, list(), 200, undefined],
  // The body (JSON-RPC 2.0 §4.2, §5.1; batches removed in 2025-06-18).
  ['malformed JSON → 400 -32700', 'POST', H('tools/list'), '{"jsonrpc":"2.0",', 400, -32700],
  ['duplicate keys → 400 -32700', 'POST', H('tools/list'), '{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call"}', 400, -32700],
  ['duplicate keys spelled with escapes → 400 -32700', 'POST', H('tools/list'), '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"a":1,"\\u0061":2}}', 400, -32700],
  ['a batch in 2026-07-28 → 400 -32600', 'POST', H('tools/list'), [list(1), list(2)], 400, -32600],
  ['a batch in 2025-11-25 → 400 -32600', 'POST', json, [legacyList, legacyList], 400, -32600],
  ['missing "jsonrpc" → 400 -32600', 'POST', H('tools/list'), { id: 1, method: 'tools/list', params: { _meta: meta } }, 400, -32600],
  ['fractional id → 400 -32600', 'POST', H('tools/list'), { ...list(), id: 1.5 }, 400, -32600],
  ['empty body → 400 -32700', 'POST', H('tools/list'), '', 400, -32700],
  // 2026-07-28 request checks (basic/index "_meta"; transports "Protocol Version Header", "Standard Headers").
  ['missing _meta → 400 -32602', 'POST', H('tools/list'), { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }, 400, -32602],
  ['_meta.protocolVersion not a string → 400 -32602', 'POST', H('tools/list'), list(1, { ...meta, 'io.modelcontextprotocol/protocolVersion': 20260728 }), 400, -32602],
  ['_meta.clientCapabilities not an object → 400 -32602', 'POST', H('tools/list'), list(1, { ...meta, 'io.modelcontextprotocol/clientCapabilities': 'all' }), 400, -32602],
  ['no MCP-Protocol-Version header → 400 -32020', 'POST', without(H('tools/list'), 'MCP-Protocol-Version'), list(), 400, -32020],
  ['header ≠ _meta version → 400 -32020', 'POST', H('tools/list'), list(1, { ...meta, 'io.modelcontextprotocol/protocolVersion': '2027-01-01' }), 400, -32020],
  ['unsupported MCP-Protocol-Version → 400 -32022', 'POST', { ...H('tools/list'), 'MCP-Protocol-Version': 'v999' }, list(1, { ...meta, 'io.modelcontextprotocol/protocolVersion': 'v999' }), 400, -32022],
  ['no Mcp-Method → 400 -32020', 'POST', without(H('tools/list'), 'Mcp-Method'), list(), 400, -32020],
  ['Mcp-Method ≠ body → 400 -32020', 'POST', H('prompts/list'), list(), 400, -32020],
  ['Mcp-Method in =?base64?…?= form is decoded', 'POST', H(b64('tools/list')), list(), 200, undefined],
  ['no Mcp-Name on tools/call → 400 -32020', 'POST', H('tools/call'), call('test_simple_text'), 400, -32020],
  ['Mcp-Name ≠ tool name → 400 -32020', 'POST', H('tools/call', 'test_error_handling'), call('test_simple_text'), 400, -32020],
  ['Mcp-Name in =?base64?…?= form is decoded', 'POST', H('tools/call', b64('test_simple_text')), call('test_simple_text'), 200, undefined],
  ['Mcp-Name with bad Base64 → 400 -32020 (never taken literally)', 'POST', H('tools/call', '=?base64?dGVzdA?=!?='), call('test_simple_text'), 400, -32020],
  ['Mcp-Name with bad Base64 padding → 400 -32020', 'POST', H('tools/call', '=?base64?dGVzdA?='), call('test'), 400, -32020],
  // Mcp-Param-* (transports, "Server Behavior for Custom Headers").
  ['Mcp-Param-Region matching the body', 'POST', { ...H('tools/call', 'test_custom_headers'), 'Mcp-Param-Region': 'us-west1' }, call('test_custom_headers', region), 200, undefined],
  ['Mcp-Param-Region missing → 400 -32020', 'POST', H('tools/call', 'test_custom_headers'), call('test_custom_headers', region), 400, -32020],
  ['Mcp-Param-Region ≠ body → 400 -32020', 'POST', { ...H('tools/call', 'test_custom_headers'), 'Mcp-Param-Region': 'eu-west1' }, call('test_custom_headers', region), 400, -32020],
  ['Mcp-Param-Region with bad Base64 → 400 -32020', 'POST', { ...H('tools/call', 'test_custom_headers'), 'Mcp-Param-Region': '=?base64?dXMtd2VzdDE?=' }, call('test_custom_headers', region), 400, -32020],
  ['Mcp-Param-Region in Base64 is decoded', 'POST', { ...H('tools/call', 'test_custom_headers'), 'Mcp-Param-Region': b64('us-west1') }, call('test_custom_headers', region), 200, undefined],
  ['Mcp-Param-Region twice → 400 -32020', 'POST', { ...H('tools/call', 'test_custom_headers'), 'Mcp-Param-Region': ['us-west1', 'us-west1'] }, call('test_custom_headers', region), 400, -32020],
  // What 2026-07-28 removed or forbids.
  ['initialize in 2026-07-28 → 404 -32601', 'POST', H('initialize'), { jsonrpc: '2.0', id: 4, method: 'initialize', params: { _meta: meta } }, 404, -32601],
  ['ping in 2026-07-28 → 404 -32601', 'POST', H('ping'), { jsonrpc: '2.0', id: 4, method: 'ping', params: { _meta: meta } }, 404, -32601],
  ['tasks/list in 2026-07-28 → 404 -32601', 'POST', H('tasks/list'), { jsonrpc: '2.0', id: 4, method: 'tasks/list', params: { _meta: meta } }, 404, -32601],
  ['a response POSTed in 2026-07-28 → 400 -32600', 'POST', H(''), { jsonrpc: '2.0', id: 'srv-1', result: {} }, 400, -32600],
  ['a notification with the wrong Mcp-Method → 400 -32020', 'POST', H('notifications/progress'), { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }, 400, -32020],
  ['a notification without the version header → 400 -32020', 'POST', without(H('notifications/cancelled'), 'MCP-Protocol-Version'), { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, _meta: meta } }, 400, -32020],
  ['a well-formed notification → 202', 'POST', H('notifications/cancelled'), { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }, 202, undefined],
  ['GET in 2026-07-28 → 405', 'GET', { Accept: 'text/event-stream', 'MCP-Protocol-Version': '2026-07-28' }, undefined, 405, -32600],
  ['DELETE in 2026-07-28 → 405', 'DELETE', { 'MCP-Protocol-Version': '2026-07-28' }, undefined, 405, -32600],
  // Sessions (2025-11-25 transports, "Session Management").
  ['legacy request without a session → 400 -32600', 'POST', json, legacyList, 400, -32600],
  ['unknown session → 404 -32001', 'POST', { ...json, 'Mcp-Session-Id': 'no-such-session', 'MCP-Protocol-Version': '2025-11-25' }, legacyList, 404, -32001],
  ['GET without a session → 405', 'GET', { Accept: 'text/event-stream' }, undefined, 405, -32600],
  ['GET of an unknown session → 404 -32001', 'GET', { Accept: 'text/event-stream', 'Mcp-Session-Id': 'no-such-session' }, undefined, 404, -32001],
  ['DELETE without a session → 405', 'DELETE', {}, undefined, 405, -32600],
  ['DELETE of an unknown session → 404 -32001', 'DELETE', { 'Mcp-Session-Id': 'no-such-session' }, undefined, 404, -32001],
  ['PUT → 405', 'PUT', json, list(), 405, -32600],
  // DNS rebinding (transports, "Security Warning": Origin MUST be validated; 403).
  ['foreign Host → 403', 'POST', { ...H('tools/list'), Host: 'evil.example' }, list(), 403, -32600],
  ['a Host that only starts like loopback → 403', 'POST', { ...H('tools/list'), Host: 'localhost:80@evil.example' }, list(), 403, -32600],
  ['foreign Origin → 403', 'POST', { ...H('tools/list'), Origin: 'http://evil.example' }, list(), 403, -32600],
  ['Origin "null" → 403', 'POST', { ...H('tools/list'), Origin: 'null' }, list(), 403, -32600],
  ['loopback Origin accepted', 'POST', { ...H('tools/list'), Origin: 'http://localhost:3000' }, list(), 200, undefined],
];

const code = (r) => r.json?.error?.code;
try {
  for (const [what, method, headers, body, status, expected] of CASES) {
    const direct = await raw(upPort, method, '/mcp', headers, body).catch((e) => ({ status: `error ${e.code}` }));
    const gated = await raw(gw.port, method, '/mcp', headers, body).catch((e) => ({ status: `error ${e.code}` }));
    const ok = direct.status === status && gated.status === status && code(direct) === expected && code(gated) === expected &&
      (expected === undefined || (JSON.stringify(direct.json?.id) === JSON.stringify(gated.json?.id)));
    report.check(ok, what, `expected ${status} ${expected}; library ${direct.status} ${code(direct)} ${(direct.body ?? '').slice(0, 120)}; ` +
      `gateway ${gated.status} ${code(gated)} ${(gated.body ?? '').slice(0, 120)}`);
  }
  // A body over the limit is refused from its Content-Length, before it is read (413); sent on a
  // raw socket, since the server answers and closes while a client would still be writing.
  const oversized = (port) => new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${4 * 1024 * 1024 + 1}\r\n\r\n{`));
    let data = '';
    s.on('data', (d) => { data += d; if (data.includes('\r\n\r\n')) s.destroy(); });
    s.on('close', () => resolve(Number(data.split(' ')[1])));
    s.on('error', reject);
  });
  const [d413, g413] = [await oversized(upPort), await oversized(gw.port)];
  report.check(d413 === 413 && g413 === 413, 'a body over 4 MiB → 413', `library ${d413}, gateway ${g413}`);

  // A client that accepts JSON only gets the reply alone, as JSON, even when the tool reports
  // progress on the way (an SSE stream is only sent to a client that names it).
  const progress = { jsonrpc: '2.0', id: 9, method: 'tools/call',
    params: { name: 'test_tool_with_progress', arguments: {}, _meta: { ...meta, progressToken: 'p1' } } };
  const jsonOnly = { ...H('tools/call', 'test_tool_with_progress'), Accept: 'application/json' };
  const [dp, gp] = [await raw(upPort, 'POST', '/mcp', jsonOnly, progress), await raw(gw.port, 'POST', '/mcp', jsonOnly, progress)];
  const isJson = (r) => r.status === 200 && (r.headers['content-type'] ?? '').startsWith('application/json') && r.json?.id === 9 && r.json?.result;
  report.check(isJson(dp) && isJson(gp), 'Accept: application/json only → the reply alone, as JSON',
    `library ${dp.status} ${dp.headers['content-type']}; gateway ${gp.status} ${gp.headers['content-type']}`);
  const [ds, gs] = [await raw(upPort, 'POST', '/mcp', H('tools/call', 'test_tool_with_progress'), progress),
    await raw(gw.port, 'POST', '/mcp', H('tools/call', 'test_tool_with_progress'), progress)];
  const isSse = (r) => r.status === 200 && (r.headers['content-type'] ?? '').startsWith('text/event-stream') && /notifications\/progress/.test(r.body);
  report.check(isSse(ds) && isSse(gs), 'Accept naming SSE → progress streamed, then the reply',
    `library ${ds.status} ${ds.headers['content-type']}; gateway ${gs.status} ${gs.headers['content-type']}`);

  // JSON-RPC 2.0 §5: an id that was read is echoed, by both.
  const bad = { jsonrpc: '1.0', id: 'x-7', method: 'tools/list' };
  const d = await raw(upPort, 'POST', '/mcp', json, bad);
  const g = await raw(gw.port, 'POST', '/mcp', json, bad);
  report.check(d.json?.id === 'x-7' && g.json?.id === 'x-7' && code(d) === -32600 && code(g) === -32600,
    'an invalid envelope echoes the id it carries', `${d.body} | ${g.body}`);
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw.stop();
  upstream.kill('SIGTERM');
}
report.finish();

// 2026-07-28 transports, "Standard Headers": a client sends Mcp-Method and Mcp-Name on every
// request, and a value that is not visible ASCII travels as `=?base64?…?=` (header values are
// ASCII on the wire, RFC 9110 §5.5). The gateway recomputes both headers from the body it forwards
// to a 2026-07-28 HTTP upstream, so it is the client there and must encode them the same way.
// Regression: a non-ASCII tool name (or resource URI) went to the upstream raw in Mcp-Name.
import { Report, raw, startGateway } from './lib.mjs';
import { ACCEPT_BOTH, stopWithin } from './support/mcp_client.mjs';
import { startStatusUpstream } from './support/status_upstream.mjs';

const report = new Report('upstream-name-headers');
const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
const encoded = (s) => `=?base64?${Buffer.from(s, 'utf8').toString('base64')}?=`;

function send(port, method, params, nameHeader) {
  return raw(port, 'POST', '/mcp', {
    'Content-Type': 'application/json', Accept: ACCEPT_BOTH, 'MCP-Protocol-Version': '2026-07-28',
    'Mcp-Method': method, 'Mcp-Name': nameHeader,
  }, { jsonrpc: '2.0', id: 9, method, params: { ...params, _meta: meta } });
}

const up = await startStatusUpstream({ era: 'modern' });
const gw = await startGateway(`servers:
  - name: names
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: named
        http: { url: "${up.url}" }
`);
try {
  const last = (method) => up.requests.filter((q) => q.body?.method === method).at(-1);
  const cases = [
    ['tools/call', { name: 'café', arguments: {} }, 'café'],
    ['tools/call', { name: '工具', arguments: {} }, '工具'],
    ['prompts/get', { name: 'résumé' }, 'résumé'],
    ['resources/read', { uri: 'file:///données/a.txt' }, 'file:///données/a.txt'],
  ];
  for (const [method, params, name] of cases) {
    const before = up.requests.length;
    const r = await send(gw.port, method, params, encoded(name));
    const q = last(method);
    report.check(up.requests.length > before && q?.headers['mcp-name'] === encoded(name) && q?.headers['mcp-method'] === method,
      `${method} "${name}" reaches the upstream with Mcp-Name ${encoded(name)}`, `${r.status} ${JSON.stringify(q?.headers)}`);
  }
  // A visible-ASCII name is sent as it is (the encoder's other half).
  await send(gw.port, 'tools/call', { name: 'ok', arguments: {} }, 'ok');
  report.check(last('tools/call')?.headers['mcp-name'] === 'ok', 'an ASCII name is sent literally', JSON.stringify(last('tools/call')?.headers));
} finally {
  await stopWithin(gw);
  await up.close();
}
report.finish();

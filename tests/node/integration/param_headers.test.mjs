// 2026-07-28 `Mcp-Param-*` headers through the gateway (transports, "Custom Headers from Tool
// Parameters", "Server Validation"): the gateway processes the body, so it MUST reject a tools/call
// whose annotated arguments and headers disagree (400, -32020) before anything reaches the
// upstream, decoding `=?base64?…?=` first; it MUST forward Mcp-Param-* headers it does not
// recognize. The upstream records what reached it; it validates nothing itself, and in the legacy
// era it does not even know the headers: the gateway is the only check.
// Regression: the gateway did not validate Mcp-Param-* at all, nor forward them.
import http from 'node:http';
import { Report, startGateway } from './lib.mjs';
import { ACCEPT_BOTH, stopWithin } from './support/mcp_client.mjs';
import { startStatusUpstream } from './support/status_upstream.mjs';

const report = new Report('param-headers');
const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

// Headers as an array of [name, value] pairs, so that one can be repeated and bytes kept as given.
function call(port, args, extra = []) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'routed', arguments: args, _meta: meta } });
  const headers = [['Host', `127.0.0.1:${port}`], ['Content-Type', 'application/json'], ['Accept', ACCEPT_BOTH], ['MCP-Protocol-Version', '2026-07-28'],
    ['Mcp-Method', 'tools/call'], ['Mcp-Name', 'routed'], ...extra];
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/mcp', headers: headers.flat() }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => { let j = null; try { j = JSON.parse(data); } catch { /* */ } resolve({ status: res.statusCode, json: j, body: data }); });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const good = { region: 'us-west1', priority: 42, urgent: true, target: { tenant: 'acme' }, note: 'n' };
const goodHeaders = [['Mcp-Param-Region', 'us-west1'], ['Mcp-Param-Priority', '42'], ['Mcp-Param-Urgent', 'true'], ['Mcp-Param-Tenant', 'acme']];
const without = (name) => goodHeaders.filter(([n]) => n !== name);
const replace = (name, value) => [...without(name), [name, value]];

const ACCEPTED = [
  ['headers matching the body', good, goodHeaders],
  ['a Base64-encoded value (non-ASCII)', { ...good, region: 'Hello, 世界' }, replace('Mcp-Param-Region', '=?base64?SGVsbG8sIOS4lueVjA==?=')],
  ['optional whitespace around the value', good, replace('Mcp-Param-Region', '   us-west1 ')],
  ['a value without the full sentinel is literal', { ...good, region: '=?base64?SGVsbG8=' }, replace('Mcp-Param-Region', '=?base64?SGVsbG8=')],
  ['an integer compared numerically (42.0 = 42)', good, replace('Mcp-Param-Priority', '42.0')],
  ['a null argument expects no header', { ...good, region: null }, without('Mcp-Param-Region')],
  ['an absent argument expects no header', { priority: 42, urgent: true, target: { tenant: 'acme' } }, without('Mcp-Param-Region')],
  ['an annotation under items is not statically reachable: no header expected', { ...good, listed: ['a'] }, goodHeaders],
];
const REFUSED = [
  ['a mismatched value', good, replace('Mcp-Param-Region', 'eu-west1')],
  ['a missing header while the body has the value', good, without('Mcp-Param-Region')],
  ['a missing header for a nested argument', good, without('Mcp-Param-Tenant')],
  ['a header for an argument the body does not have', { priority: 42, urgent: true, target: { tenant: 'acme' } }, goodHeaders],
  ['Base64 with bad padding', { ...good, region: 'Hello' }, replace('Mcp-Param-Region', '=?base64?SGVsbG8?=')],
  ['Base64 with characters outside the alphabet', { ...good, region: 'Hello' }, replace('Mcp-Param-Region', '=?base64?SGVs!!!bG8=?=')],
  ['a different integer', good, replace('Mcp-Param-Priority', '43')],
  ['an integer header that is not a number', good, replace('Mcp-Param-Priority', '42abc')],
  ['a boolean in the wrong case (values are case-sensitive)', good, replace('Mcp-Param-Urgent', 'TRUE')],
  ['the header twice', good, [...goodHeaders, ['Mcp-Param-Region', 'us-west1']]],
  ['bytes outside visible ASCII (obs-text) in the raw value', { ...good, region: 'caf\u00e9' }, replace('Mcp-Param-Region', 'caf\u00e9')],
];

for (const era of ['modern', 'legacy']) {
  const up = await startStatusUpstream({ era });
  const gw = await startGateway(`servers:
  - name: params
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: routed
        http: { url: "${up.url}" }
`);
  try {
    const calls = () => up.requests.filter((q) => q.body?.method === 'tools/call').length;
    // No client listed the tools yet: the gateway asks the upstream itself before deciding.
    const first = await call(gw.port, good, replace('Mcp-Param-Region', 'eu-west1'));
    report.check(first.status === 400 && first.json?.error?.code === -32020 && calls() === 0 &&
      up.requests.some((q) => q.body?.method === 'tools/list'),
    `${era} upstream: before any tools/list, a mismatch is refused (400, -32020); the gateway listed the tools itself`, `${first.status} ${first.body}`);
    for (const [what, args, headers] of ACCEPTED) {
      const before = calls();
      const r = await call(gw.port, args, headers);
      report.check(r.status === 200 && r.json?.result?.content?.[0]?.text === 'routed' && calls() === before + 1,
        `${era} upstream: accepted: ${what}`, `${r.status} ${r.body.slice(0, 200)}`);
    }
    for (const [what, args, headers] of REFUSED) {
      const before = calls();
      const r = await call(gw.port, args, headers);
      report.check(r.status === 400 && r.json?.error?.code === -32020 && calls() === before,
        `${era} upstream: refused before reaching the upstream (400, -32020): ${what}`, `${r.status} ${r.body.slice(0, 200)}`);
    }
    if (era === 'modern') {
      // The upstream processes the body too: the headers travel on, the unrecognized one included.
      const r = await call(gw.port, good, [...goodHeaders, ['Mcp-Param-Unlisted', 'passes-through']]);
      const last = up.requests.filter((q) => q.body?.method === 'tools/call').at(-1);
      report.check(r.status === 200 && last?.headers['mcp-param-region'] === 'us-west1' && last?.headers['mcp-param-tenant'] === 'acme' &&
        last?.headers['mcp-param-unlisted'] === 'passes-through',
      'modern upstream: Mcp-Param-* headers are forwarded, an unrecognized one included (MUST forward)', JSON.stringify(last?.headers));
    }
  } finally {
    await stopWithin(gw);
    await up.close();
  }
}
report.finish();

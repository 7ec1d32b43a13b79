// Large lists (past 64 kB) from an HTTP upstream are judged from a skeleton of the reply: the
// strict parser validates every byte but builds each item only as the member it is judged by,
// and the kept items are spliced from the upstream's text. What must still hold: a denied item
// never reaches the client, whatever its shape or what its nested objects are called; a reply
// with a duplicate key anywhere (inside an item too) is refused; the items kept arrive whole; a
// list the filter cannot follow in the text (a key written with escapes) is parsed whole and
// serialized; tool annotations are learnt from the list as before (the read-only-hint default).
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Report, raw, startGateway, tempDir, testIssuer } from './lib.mjs';

const report = new Report('large-list-filtering');
const dir = tempDir();
const issuer = testIssuer(dir);
writeFileSync(join(dir, 'jwks.json'), issuer.jwks);
const ISS = 'https://issuer.test';
const CLIENT_ID = 'req-9';
const N = 400;  // read_/write_ pairs: about 150 kB per list, past the 64 kB of a bulk reply

const pad = 'x'.repeat(120);
// Items spelled as a serializer would not (spaces, key order, escapes), some of them odd: nested
// objects with a "name" of an allowed tool inside a denied one, items that are not objects, a
// name that is not a string. Only the read_* objects with a string name are for a read-only caller.
function items(variant) {
  const out = [];
  for (let i = 0; i < N; i++) {
    const n = String(i).padStart(4, '0');
    out.push(`{"description":"caf\\u00e9 ${pad}", "name" : "read_${n}","inputSchema":{"type":"object","properties":{"name":{"type":"string"}}}}`);
    out.push(`{ "name":"write_${n}","inputSchema":{"type":"object","properties":{"q":{"name":"read_${n}"}}},"annotations":{"title":"read_${n}"} }`);
  }
  out.splice(7, 0, '"read_string_item"', '["read_array_item"]', '{"name":7,"description":"read_number_name"}', '{"annotations":{"name":"read_nested"}}',
    '{"inner":{"name":"read_deep"},"name":"write_deep"}');
  if (variant === 'dup-deep') out[500] = '{"name":"read_dup","inputSchema":{"type":"object","type":"string"}}';
  if (variant === 'dup-name') out[600] = '{"name":"read_fine","name":"write_evil"}';
  return out;
}
const KEPT = (variant) => items(variant).filter((t) => /^\{"description"/.test(t));
const listText = (idText, variant, key = 'tools') =>
  `{"jsonrpc":"2.0","id":${idText},"result":{ "${key}":[ ${items(variant).join(' ,\n ')} ] ,"ttlMs":0}}`;

// The read-only-hint endpoint's list: many tools, `flip` among them, read-only until the test says.
let flipReadOnly = true;
const hintsList = (idText) => {
  const tools = [];
  for (let i = 0; i < 2 * N; i++) tools.push({ name: `t_${i}`, description: pad, inputSchema: { type: 'object' }, annotations: { readOnlyHint: i % 2 === 0 } });
  tools.splice(100, 0, { name: 'flip', description: pad, inputSchema: { type: 'object' }, annotations: { readOnlyHint: flipReadOnly } });
  return `{"jsonrpc":"2.0","id":${idText},"result":${JSON.stringify({ tools })}}`;
};
const resourcesList = (idText) => {
  const rs = [];
  for (let i = 0; i < 2 * N; i++) rs.push({ uri: `file:///${i % 2 ? 'secret' : 'public'}/${i}.txt`, name: `r${i}`, description: pad });
  return `{"jsonrpc":"2.0","id":${idText},"result":${JSON.stringify({ resources: rs })}}`;
};

const upstream = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    const msg = JSON.parse(body);
    if (msg.id === undefined) { res.writeHead(202); res.end(); return; }
    const idText = JSON.stringify(msg.id);
    const send = (text) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(text); };
    if (msg.method === 'server/discover')
      return send(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { supportedVersions: ['2026-07-28'], capabilities: { tools: {}, resources: {} },
        resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'large', version: '1' } } } }));
    const variant = req.url.slice(1);
    if (msg.method === 'tools/list' && variant === 'hints') return send(hintsList(idText));
    if (msg.method === 'tools/list' && variant === 'escaped') return send(listText(idText, 'plain', 't\\u006fols'));
    if (msg.method === 'tools/list') return send(listText(idText, variant));
    if (msg.method === 'resources/list') return send(resourcesList(idText));
    if (msg.method === 'tools/call') return send(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { content: [], resultType: 'complete' } }));
    send(JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } }));
  });
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const upBase = `http://127.0.0.1:${upstream.address().port}`;

const endpoint = (variant, policy = `      rules:
        - { id: read-tools, tools: ["read_*"], scopes: [mcp:read] }
        - { id: public-files, resources: ["file:///public/*"], scopes: [mcp:read] }
        - { id: write-tools, tools: ["*"], scopes: [mcp:write] }`) => `  - name: ${variant}
    path: /${variant}
    auth:
      scopes_supported: [mcp:read, mcp:write]
      issuers: [{ issuer: ${ISS}, algorithms: [ES256], jwks_file: ${join(dir, 'jwks.json')} }]
    policy:
${policy}
    upstreams:
      - name: ${variant}
        request_timeout_ms: 5000
        http: { url: ${upBase}/${variant} }
`;

let gw = null;
try {
  gw = await startGateway(`servers:
${['plain', 'dup-deep', 'dup-name', 'escaped'].map((v) => endpoint(v)).join('')}${endpoint('hints', '      read_only_hint_default: { read_scope: mcp:read, write_scope: mcp:write }')}`);
  const P = gw.port;
  const token = (path, scope) => issuer.mint({ iss: ISS, sub: 'alice', aud: `http://127.0.0.1:${P}/${path}`, client_id: 'c', scope });
  const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
  const call = (path, scope, method, name) =>
    raw(P, 'POST', `/${path}`, { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${token(path, scope)}`,
      'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method, ...(name ? { 'Mcp-Name': name } : {}) },
    { jsonrpc: '2.0', id: CLIENT_ID, method, params: { ...(name ? { name, arguments: {} } : {}), _meta: meta } });
  const idText = JSON.stringify(CLIENT_ID);
  const readNames = (v) => KEPT(v).map((t) => JSON.parse(t).name);
  const upstreamItems = (v) => JSON.parse(listText(idText, v)).result.tools;

  for (let round = 1; round <= 2; round++) {
    const r = await call('plain', 'mcp:read', 'tools/list');
    const names = r.json?.result?.tools?.map((t) => t.name);
    report.check(r.status === 200 && JSON.stringify(names) === JSON.stringify(readNames('plain')) && !r.body.includes('write_') &&
      !r.body.includes('read_string_item') && !r.body.includes('read_array_item') && !r.body.includes('read_number_name') &&
      !r.body.includes('read_nested') && !r.body.includes('read_deep'),
    `list ${round}: a read-only caller sees exactly the read_* objects; no denied or odd item reaches it, whatever it nests`,
    `${r.status} ${r.body.slice(0, 300)}`);
    const expected = `{"jsonrpc":"2.0","id":${idText},"result":{"cacheScope":"private", "tools":[${KEPT('plain').join(',')}] ,"ttlMs":0}}`;
    report.check(r.body === expected, `list ${round}: the kept items are the upstream's own bytes, spliced into its text`,
      `${r.body.length} vs ${expected.length} bytes`);
  }
  const w = await call('plain', 'mcp:read mcp:write', 'tools/list');
  const named = items('plain').filter((t) => { const o = JSON.parse(t); return o && typeof o === 'object' && !Array.isArray(o) && typeof o.name === 'string'; });
  report.check(w.status === 200 && named.length === 2 * N + 1 &&
    w.body === `{"jsonrpc":"2.0","id":${idText},"result":{"cacheScope":"private", "tools":[${named.join(',')}] ,"ttlMs":0}}`,
  'a caller allowed every tool loses only the items that name none, the others the upstream\'s bytes', `${w.status} ${w.body.length}`);

  for (const v of ['dup-deep', 'dup-name']) {
    const d = await call(v, 'mcp:read', 'tools/list');
    report.check(d.status === 502 && d.json?.error?.data?.reason === 'bad_reply' && !d.body.includes('read_0000'),
      `${v}: a duplicate key inside one item of a large list refuses the whole reply (502 bad_reply), never a list`,
      `${d.status} ${d.body.slice(0, 300)}`);
  }

  const e = await call('escaped', 'mcp:read', 'tools/list');
  const got = e.json?.result?.tools ?? [];
  const want = upstreamItems('plain').filter((t) => typeof t?.name === 'string' && t.name.startsWith('read_'));
  report.check(e.status === 200 && JSON.stringify(got) === JSON.stringify(want) && e.json?.result?.cacheScope === 'private' &&
    !e.body.includes('write_'),
  'a list key written with escapes: the reply is parsed whole and serialized, the kept items whole, no denied item',
  `${e.status} ${got.length} items, first ${JSON.stringify(got[0])}`);

  const res = await call('plain', 'mcp:read', 'resources/list');
  const uris = res.json?.result?.resources?.map((x) => x.uri) ?? [];
  report.check(res.status === 200 && uris.length === N && uris.every((u) => u.startsWith('file:///public/')) && !res.body.includes('/secret/') &&
    res.json.result.resources.every((x) => x.description === pad),
  'resources/list: judged by uri, only the public files, each whole', `${res.status} ${uris.length}`);

  // Annotations are learnt from a list the gateway has not seen (parsed whole), not again from
  // the same list (a skeleton), and again from a changed one.
  const flip = () => call('hints', 'mcp:read', 'tools/call', 'flip');
  const h1 = await call('hints', 'mcp:read', 'tools/list');
  const h2 = await call('hints', 'mcp:read', 'tools/list');
  const shown = (r) => r.json?.result?.tools?.map((t) => t.name) ?? [];
  report.check(h1.status === 200 && h2.status === 200 && shown(h1).includes('flip') && shown(h1).length === N + 1 &&
    JSON.stringify(shown(h1)) === JSON.stringify(shown(h2)) && !shown(h1).includes('t_1'),
  'read-only-hint default: the read-only tools are listed, the same on the first and the second list', `${shown(h1).length} ${shown(h2).length}`);
  const before = await flip();
  flipReadOnly = false;
  const h3 = await call('hints', 'mcp:read', 'tools/list');
  const after = await flip();
  report.check(before.status === 200 && after.status === 403 && !shown(h3).includes('flip') && shown(h3).length === N,
    'a tool the upstream stops marking read-only leaves the list and needs the write scope', `${before.status} ${after.status} ${shown(h3).length}`);
} catch (e) {
  report.check(false, 'test ran to the end', `${e.stack}\n${gw?.log() ?? ''}`);
} finally {
  if (gw && process.env.DEBUG_LOG) console.error(gw.log());
  if (gw) await gw.stop();
  upstream.closeAllConnections?.();
  upstream.close();
}
report.finish();

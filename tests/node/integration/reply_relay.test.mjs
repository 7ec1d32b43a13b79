// The upstream's reply reaches the client as the upstream wrote it when the gateway changes
// nothing in it: the body judged is the body forwarded, byte for byte (key order, white space,
// number spelling and string escapes included), from an HTTP upstream (JSON and SSE) and from a
// stdio child (whose reply carries the gateway's id, spliced back to the client's). What the
// gateway does change still changes: a filtered list loses the items the caller may not see and
// gains cacheScope "private"; a reply with duplicate keys is still refused, never relayed.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Report, raw, startGateway, tempDir, testIssuer } from './lib.mjs';

const report = new Report('reply-relay');
const dir = tempDir();
const issuer = testIssuer(dir);
writeFileSync(join(dir, 'jwks.json'), issuer.jwks);
const ISS = 'https://issuer.test';
const CLIENT_ID = 'req-7';

// A result spelled the way a serializer would not: spaces, members after `result`, 1.50 and 1E2,
// escapes a serializer would write as raw UTF-8.
const shaped = (idText) =>
  `{ "result" : {"content":[{"type":"text","text":"caf\\u00e9 \\ud83d\\ude00 \\/"}],"n":1.50,"big":1E2,` +
  `"resultType":"complete"} , "jsonrpc":"2.0",  "id":${idText} }`;
// Items of a list spelled the same way; read_* are the ones a read-only caller sees.
const ITEMS = [
  '{"name":"read_a" , "inputSchema":{"type":"object"},"description":"caf\\u00e9"}',
  '{ "name":"write_b","inputSchema":{"type":"object"} }',
  '{"inputSchema":{"type":"object","properties":{"q":{"type":"number","default":1.0}}},"name":"read_c"}',
];
const list = (idText, extra = '') => `{"jsonrpc":"2.0","id":${idText},"result":{ "tools":[ ${ITEMS.join(' ,\t ')} ] ,"ttlMs":0${extra}}}`;
// What a client of the gateway receives for it: the kept items' own bytes, cacheScope "private"
// set in place (the HTTP upstream says "public") or added first.
const PUBLIC = ', "cacheScope" :  "public"';
const filtered = (idText, kept, extra) => {
  const tools = kept.length === ITEMS.length ? `[ ${ITEMS.join(' ,\t ')} ]` : `[${kept.map((i) => ITEMS[i]).join(',')}]`;
  return extra ? `{"jsonrpc":"2.0","id":${idText},"result":{ "tools":${tools} ,"ttlMs":0, "cacheScope" :  "private"}}`
    : `{"jsonrpc":"2.0","id":${idText},"result":{"cacheScope":"private", "tools":${tools} ,"ttlMs":0}}`;
};

// A log notification before the SSE reply, so that the gateway streams to the client.
const NOTE = '{"method":"notifications/message","jsonrpc":"2.0","params":{"level":"info","data":"caf\\u00e9"}}';
const discover = (id) => JSON.stringify({ jsonrpc: '2.0', id, result: { supportedVersions: ['2026-07-28'],
  capabilities: { tools: {} }, resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'shaped', version: '1' } } } });

// What the upstream's list says of the tool `flip` (at /hints): read-only, until the test changes it.
let flipReadOnly = true;

// HTTP upstream (2026-07-28): answers with the texts above, echoing the id as the client spelled it.
const upstream = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    const msg = JSON.parse(body);
    if (msg.id === undefined) { res.writeHead(202); res.end(); return; }
    const idText = JSON.stringify(msg.id);
    const send = (text, type = 'application/json') => { res.writeHead(200, { 'content-type': type }); res.end(text); };
    if (msg.method === 'server/discover') return send(discover(msg.id));
    if (msg.method === 'tools/list' && req.url === '/hints')
      return send(`{"jsonrpc":"2.0","id":${idText},"result":{"tools":[{"name":"flip","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":${flipReadOnly}}}]}}`);
    if (msg.method === 'tools/list') return send(list(idText, PUBLIC));
    const name = msg.params?.name;
    if (name === 'shaped' || name === 'flip') return send(shaped(idText));
    if (name === 'shaped_sse') return send(`event: message\ndata: ${NOTE}\n\nevent: message\ndata: ${shaped(idText)}\n\n`, 'text/event-stream');
    if (name === 'duplicate') return send(`{"jsonrpc":"2.0","id":${idText},"result":{"content":[],"content":[{"type":"text","text":"x"}]}}`);
    send(JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } }));
  });
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const upUrl = `http://127.0.0.1:${upstream.address().port}/mcp`;

// stdio upstream: the same texts, under the id the gateway gave the request.
const child = join(dir, 'shaped_stdio.mjs');
writeFileSync(child, `import readline from 'node:readline';
const shaped = ${shaped.toString()};
const list = ${list.toString()};
const ITEMS = ${JSON.stringify(ITEMS)};
const discover = ${discover.toString()};
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.id === undefined) return;
  const idText = JSON.stringify(msg.id);
  let out;
  if (msg.method === 'server/discover') out = discover(msg.id);
  else if (msg.method === 'tools/list') out = list(idText);
  else if (msg.params?.name === 'shaped') out = shaped(idText);
  else out = JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } });
  process.stdout.write(out + '\\n');
});
`);

const endpoint = (name, upstreamYaml) => `  - name: ${name}
    path: /${name}
    auth:
      scopes_supported: [mcp:read, mcp:write]
      issuers: [{ issuer: ${ISS}, algorithms: [ES256], jwks_file: ${join(dir, 'jwks.json')} }]
    policy:
      rules:
        - { id: read-tools, tools: ["read_*", "shaped*", "duplicate"], scopes: [mcp:read] }
        - { id: write-tools, tools: ["*"], scopes: [mcp:write] }
    upstreams:
      - name: ${name}
        request_timeout_ms: 5000
${upstreamYaml}`;

let gw = null;
try {
  gw = await startGateway(`servers:
${endpoint('http', `        http: { url: ${upUrl} }`)}
  - name: hints
    path: /hints
    auth:
      scopes_supported: [mcp:read, mcp:write]
      issuers: [{ issuer: ${ISS}, algorithms: [ES256], jwks_file: ${join(dir, 'jwks.json')} }]
    policy:
      read_only_hint_default: { read_scope: mcp:read, write_scope: mcp:write }
    upstreams:
      - name: hints
        http: { url: ${upUrl.replace(/\/mcp$/, '/hints')} }
${endpoint('stdio', `        stdio: { command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(child)}] }`)}
`);
  const P = gw.port;
  const token = (path, scope) => issuer.mint({ iss: ISS, sub: 'alice', aud: `http://127.0.0.1:${P}/${path}`, client_id: 'c', scope });
  const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
  const call = (path, scope, method, name, accept = 'application/json') =>
    raw(P, 'POST', `/${path}`, { 'Content-Type': 'application/json', Accept: accept, Authorization: `Bearer ${token(path, scope)}`,
      'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method, ...(name ? { 'Mcp-Name': name } : {}) },
    { jsonrpc: '2.0', id: CLIENT_ID, method, params: { ...(name ? { name, arguments: {} } : {}), _meta: meta } });
  const idText = JSON.stringify(CLIENT_ID);

  const h = await call('http', 'mcp:read', 'tools/call', 'shaped');
  report.check(h.status === 200 && h.body === shaped(idText),
    'HTTP upstream, JSON: the reply reaches the client byte for byte as the upstream wrote it', `${h.status} ${h.body}`);

  const e = await call('http', 'mcp:read', 'tools/call', 'shaped_sse', 'application/json, text/event-stream');
  const datas = e.body.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim());
  report.check(e.status === 200 && datas.length === 2 && datas[0] === NOTE && datas[1] === shaped(idText),
    'HTTP upstream, SSE: the notification and the reply events carry the upstream\'s data byte for byte', `${e.status} ${e.body}`);

  const s = await call('stdio', 'mcp:read', 'tools/call', 'shaped');
  report.check(s.status === 200 && s.body === shaped(idText),
    'stdio upstream: the child\'s line reaches the client byte for byte, its id replaced by the client\'s', `${s.status} ${s.body}`);

  const d = await call('http', 'mcp:read', 'tools/call', 'duplicate');
  report.check(d.status === 502 && d.json?.error?.data?.reason === 'bad_reply' && !d.body.includes('"x"'),
    'a reply with duplicate keys is refused (502 bad_reply), never relayed', `${d.status} ${d.body}`);

  for (const path of ['http', 'stdio']) {
    const r = await call(path, 'mcp:read', 'tools/list');
    const names = r.json?.result?.tools?.map((t) => t.name);
    report.check(r.status === 200 && JSON.stringify(names) === '["read_a","read_c"]' && r.json?.result?.cacheScope === 'private' &&
      r.json?.result?.ttlMs === 0 && !r.body.includes('write_b'),
    `${path} upstream: a read-only caller's list loses write_b and is marked cacheScope "private"`, `${r.status} ${r.body}`);
    const extra = path === 'http' ? PUBLIC : '';
    report.check(r.body === filtered(idText, [0, 2], extra),
      `${path} upstream: the kept items reach the client as the upstream wrote them, spliced into its text`, r.body);
    const w = await call(path, 'mcp:read mcp:write', 'tools/list');
    const all = w.json?.result?.tools?.map((t) => t.name);
    report.check(w.status === 200 && JSON.stringify(all) === '["read_a","write_b","read_c"]' && w.json?.result?.cacheScope === 'private',
      `${path} upstream: a caller allowed everything sees every item, marked cacheScope "private"`, `${w.status} ${w.body}`);
    report.check(w.body === filtered(idText, [0, 1, 2], extra),
      `${path} upstream: an unfiltered list is the upstream's text with cacheScope set in place`, w.body);
  }

  // The gateway learns tool annotations from each tools/list and skips a list identical to the one
  // it learnt last: a list that changed is learnt again (regression guard for that skip).
  const flip = () => call('hints', 'mcp:read', 'tools/call', 'flip');
  await call('hints', 'mcp:read', 'tools/list');
  await call('hints', 'mcp:read', 'tools/list');
  const before = await flip();
  flipReadOnly = false;
  await call('hints', 'mcp:read', 'tools/list');
  const after = await flip();
  report.check(before.status === 200 && after.status === 403,
    'a tool the upstream stops marking read-only needs the write scope after the next list', `${before.status} ${after.status}`);
} finally {
  if (gw && process.env.DEBUG_LOG) console.error(gw.log());
  if (gw) await gw.stop();
  upstream.closeAllConnections?.();
  upstream.close();
}
report.finish();

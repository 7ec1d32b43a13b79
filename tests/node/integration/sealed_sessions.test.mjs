// Legacy sessions any replica can continue (docs/deployment.md, "Sessions across replicas"): two
// gateways share a sealing key and their token configuration, as replicas behind a balancer do.
// A client initializes at A; A is killed with SIGKILL; the same Mcp-Session-Id goes on at B —
// through an HTTP upstream with the upstream's own session (no new initialize there), and through
// a stdio upstream whose child B starts with the client's handshake replayed. The id stays bound
// to its principal (another token gets 404, before and after B holds the session), a tampered or
// truncated id is an unknown session (404, never 500), and a DELETE at B ends the session at the
// HTTP upstream and everywhere here. A replica stopped gracefully (a rolling restart) hands its
// sessions over the same way: its HTTP upstream sessions are not ended.
// Regression: a session opened at a replica that died was unknown at every other one (404, and the
// client had to initialize again).
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Report, freePort, raw, root, startGateway, tempDir, testIssuer } from './lib.mjs';

const report = new Report('sealed_sessions');
const dir = tempDir();
const issuer = testIssuer(dir);
writeFileSync(join(dir, 'jwks.json'), issuer.jwks);
writeFileSync(join(dir, 'seal.key'), 'q3Jt0b8mJ7m1m0h0yq2WbQk9v8m6s4t2Zr1x0c5d7e8=\n');
const ISS = 'https://issuer.test';

// An HTTP MCP upstream (2025-11-25) with real sessions: each initialize gets a new id, a request
// with an id it did not issue (or ended) is 404, and every request is recorded with its session.
const seen = [];
const live = new Set();
let opened = 0;
const upstream = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    const sid = req.headers['mcp-session-id'];
    if (req.method === 'DELETE') {
      seen.push({ method: 'DELETE', sid });
      live.delete(sid);
      res.writeHead(200).end();
      return;
    }
    const m = JSON.parse(body);
    seen.push({ method: m.method, sid });
    if (m.method === 'initialize') {
      const id = `upstream-session-${++opened}`;
      live.add(id);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Mcp-Session-Id': id }).end(JSON.stringify({ jsonrpc: '2.0', id: m.id,
        result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'sessions', version: '1' } } }));
      return;
    }
    if (!live.has(sid)) { res.writeHead(404).end(); return; }
    if (m.id === undefined) { res.writeHead(202).end(); return; }
    const result = m.method === 'tools/list' ? { tools: [{ name: 'read_file', inputSchema: { type: 'object' } }] }
      : { content: [{ type: 'text', text: `executed ${m.params?.name} in ${sid}` }] };
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }));
  });
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}/mcp`;

const stdioLog = join(dir, 'stdio.jsonl');
writeFileSync(stdioLog, '');
const recording = join(root, 'tests/node/integration/support/recording_upstream.mjs');
// The URL clients know (the balancer's): both replicas serve it, so tokens and ids name it.
const PUBLIC = `http://127.0.0.1:${await freePort()}`;
const config = (keyFile) => `public_url: ${PUBLIC}
sessions:
  sealing_keys: [ { id: k2026, secret_file: ${keyFile} } ]
servers:
  - name: http
    path: /http
    auth: { issuers: [{ issuer: ${ISS}, algorithms: [ES256], jwks_file: ${join(dir, 'jwks.json')} }] }
    policy: { default: allow }
    upstreams: [ { name: web, http: { url: ${upstreamUrl} } } ]
  - name: stdio
    path: /stdio
    auth: { issuers: [{ issuer: ${ISS}, algorithms: [ES256], jwks_file: ${join(dir, 'jwks.json')} }] }
    policy: { default: allow }
    upstreams: [ { name: files, stdio: { command: ["${process.execPath}", "${recording}", "${stdioLog}"] } } ]
`;
const a = await startGateway(config(join(dir, 'seal.key')));
const b = await startGateway(config(join(dir, 'seal.key')));
let c = null;

const tok = (sub, path) => issuer.mint({ iss: ISS, sub, aud: `${PUBLIC}${path}`, client_id: 'agent', scope: 'mcp:read' });
const base = (token) => ({ 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${token}` });
const inSession = (token, sid) => ({ ...base(token), 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' });
const clientInfo = { name: 'sealed-sessions-client', version: '7' };
const initialize = (gw, path, token) => raw(gw.port, 'POST', path, base(token), { jsonrpc: '2.0', id: 0, method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: { roots: {} }, clientInfo } });
const initialized = (gw, path, token, sid) => raw(gw.port, 'POST', path, inSession(token, sid), { jsonrpc: '2.0', method: 'notifications/initialized' });
const call = (gw, path, token, sid, id = 1) => raw(gw.port, 'POST', path, inSession(token, sid),
  { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'read_file', arguments: {} } });
const stdioLines = () => readFileSync(stdioLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const text = (r) => r.json?.result?.content?.[0]?.text ?? '';

try {
  const aliceHttp = tok('alice', '/http');
  const aliceStdio = tok('alice', '/stdio');
  const bobHttp = tok('bob', '/http');

  // At A: one session per endpoint.
  const i1 = await initialize(a, '/http', aliceHttp);
  const sidHttp = i1.headers['mcp-session-id'];
  await initialized(a, '/http', aliceHttp, sidHttp);
  const c1 = await call(a, '/http', aliceHttp, sidHttp);
  report.check(i1.status === 200 && c1.status === 200 && text(c1) === 'executed read_file in upstream-session-1',
    'at A: initialize and a call through the HTTP upstream', `${i1.status} ${c1.status} ${text(c1)}`);
  // 2025-11-25 transports, "Session Management": the id MUST be visible ASCII (0x21–0x7E).
  report.check(/^[\x21-\x7e]+$/.test(sidHttp ?? '') && !sidHttp.includes('alice') && !sidHttp.includes('upstream-session'),
    'the sealed id is visible ASCII and shows nothing of what it carries', sidHttp);
  const i2 = await initialize(a, '/stdio', aliceStdio);
  const sidStdio = i2.headers['mcp-session-id'];
  await initialized(a, '/stdio', aliceStdio, sidStdio);
  const c2 = await call(a, '/stdio', aliceStdio, sidStdio);
  report.check(i2.status === 200 && text(c2) === 'executed read_file', 'at A: initialize and a call through the stdio upstream', text(c2));

  // A dies without a goodbye: no drain, no DELETE to anyone.
  a.proc.kill('SIGKILL');
  await new Promise((r) => (a.proc.exitCode !== null || a.proc.signalCode !== null ? r() : a.proc.on('exit', r)));

  // Session hijacking: B has never held the session; the sealed id with bob's token is unknown.
  const hijack = await call(b, '/http', bobHttp, sidHttp, 5);
  report.check(hijack.status === 404 && hijack.json?.error?.code === -32001,
    'another principal\'s token with the sealed id at B → 404, as an unknown session', `${hijack.status} ${hijack.body}`);

  const initsBefore = seen.filter((s) => s.method === 'initialize').length;
  const c3 = await call(b, '/http', aliceHttp, sidHttp, 2);
  report.check(c3.status === 200 && text(c3) === 'executed read_file in upstream-session-1',
    'at B after A was killed: the call succeeds in the same upstream session', `${c3.status} ${c3.body}`);
  report.check(seen.filter((s) => s.method === 'initialize').length === initsBefore && seen.at(-1)?.sid === 'upstream-session-1',
    'the HTTP upstream saw no new initialize, and the call carried its own session id', JSON.stringify(seen.slice(-2)));
  const again = await call(b, '/http', aliceHttp, sidHttp, 3);
  report.check(again.status === 200, 'the session goes on at B', String(again.status));
  const hijack2 = await call(b, '/http', bobHttp, sidHttp, 6);
  report.check(hijack2.status === 404, 'another principal\'s token on the session B now holds → 404', String(hijack2.status));

  const c4 = await call(b, '/stdio', aliceStdio, sidStdio, 2);
  const lines = stdioLines();
  const inits = lines.map((m, i) => [m, i]).filter(([m]) => m.method === 'initialize');
  const last = inits.at(-1);
  report.check(c4.status === 200 && text(c4) === 'executed read_file', 'at B: the call through the stdio upstream succeeds', `${c4.status} ${c4.body}`);
  report.check(inits.length === 2 && JSON.stringify(last[0].params.clientInfo) === JSON.stringify(clientInfo) &&
    JSON.stringify(last[0].params.capabilities) === JSON.stringify({ roots: {} }) && last[0].params.protocolVersion === '2025-11-25',
  'B started a child and replayed the client\'s initialize to it', JSON.stringify(inits.map(([m]) => m.params)));
  const after = lines.slice(last[1] + 1).map((m) => m.method);
  report.check(after[0] === 'notifications/initialized' && after[1] === 'tools/call',
    'then notifications/initialized, then the call', JSON.stringify(after));

  // Tampered and truncated ids: unknown sessions, never a server error.
  const flip = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  const tampered = await Promise.all([5, Math.floor(sidHttp.length / 2), sidHttp.length - 3].map((i) => call(b, '/http', aliceHttp, flip(sidHttp, i), 7)));
  report.check(tampered.every((r) => r.status === 404), 'a tampered id → 404', tampered.map((r) => r.status).join(','));
  const cut = await call(b, '/http', aliceHttp, sidHttp.slice(0, sidHttp.length - 10), 8);
  report.check(cut.status === 404, 'a truncated id → 404', String(cut.status));
  // An id sealed for one endpoint does not open at another (associated data: the resource URL).
  const cross = await call(b, '/stdio', aliceStdio, sidHttp, 9);
  report.check(cross.status === 404, 'an id of /http presented at /stdio → 404', String(cross.status));

  // DELETE at B ends the upstream session there too, and the id stays ended at B.
  const del = await raw(b.port, 'DELETE', '/http', inSession(aliceHttp, sidHttp));
  for (let i = 0; i < 100 && !seen.some((s) => s.method === 'DELETE'); i++) await new Promise((r) => setTimeout(r, 20));
  report.check(del.status === 200 && seen.some((s) => s.method === 'DELETE' && s.sid === 'upstream-session-1'),
    'DELETE at B → 200, and the HTTP upstream got a DELETE for its session', `${del.status} ${JSON.stringify(seen.filter((s) => s.method === 'DELETE'))}`);
  const gone = await call(b, '/http', aliceHttp, sidHttp, 10);
  report.check(gone.status === 404, 'after DELETE the id is 404 (2025-11-25: a terminated session MUST be 404)', String(gone.status));

  // A rolling restart: B stops gracefully (SIGTERM). Stopping a replica is not the client ending
  // its session: the upstream session is left open, and a third replica continues it.
  const i3 = await initialize(b, '/http', aliceHttp);
  const sid3 = i3.headers['mcp-session-id'];
  const upstreamSid3 = `upstream-session-${opened}`;
  await initialized(b, '/http', aliceHttp, sid3);
  c = await startGateway(config(join(dir, 'seal.key')));
  await b.stop();
  // C's first requests with the id arrive together: each may continue the session; one wins, and
  // the others' copies must not end the upstream session (a DELETE) it goes on in.
  const burst = await Promise.all([...Array(16).keys()].map((i) => call(c, '/http', aliceHttp, sid3, 100 + i)));
  report.check(burst.every((r) => r.status === 200), 'concurrent first requests at C all succeed', burst.map((r) => r.status).join(','));
  const c5 = await call(c, '/http', aliceHttp, sid3, 11);
  report.check(c5.status === 200 && text(c5) === `executed read_file in ${upstreamSid3}`,
    'after B stopped gracefully, C continues the session in the same upstream session', `${c5.status} ${c5.body}`);
  report.check(!seen.some((s) => s.method === 'DELETE' && s.sid === upstreamSid3), 'B\'s shutdown sent no DELETE for it',
    JSON.stringify(seen.filter((s) => s.method === 'DELETE')));
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  if (a.proc.exitCode === null && a.proc.signalCode === null) await a.stop();
  if (b.proc.exitCode === null && b.proc.signalCode === null) await b.stop();
  if (c) await c.stop();
  upstream.closeAllConnections?.();
  upstream.close();
}
report.finish();

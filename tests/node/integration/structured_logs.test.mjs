// The operational log in the JSON format: every line the serving process writes to stderr is one
// JSON object with time (RFC 3339, UTC, milliseconds), level and msg; a line about a request
// carries the request id the client received in X-Request-Id; no token reaches the log.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Report, freePort, gatewayBin, raw, root, startGateway, tempDir, testIssuer } from './lib.mjs';

const report = new Report('structured-logs');
const dir = tempDir();
const issuer = testIssuer(dir);
writeFileSync(join(dir, 'jwks.json'), issuer.jwks);
const everything = join(root, 'tests/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const closedPort = await freePort();  // nothing listens there: the upstream is unreachable
const auditFile = join(dir, 'audit.jsonl');
const gw = await startGateway(`log: { level: debug, format: json }
audit_log: ${auditFile}
servers:
  - name: e
    path: /mcp
    auth:
      issuers: [{ issuer: https://issuer.test, algorithms: [ES256], jwks_file: ${join(dir, 'jwks.json')} }]
    upstreams:
      - name: e
        stdio: { command: ["${process.execPath}", "${everything}", "stdio"] }
  - name: down
    path: /down
    auth: { anonymous: true }
    upstreams:
      - name: gone
        http: { url: "http://127.0.0.1:${closedPort}/mcp" }
`);
const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'logs', version: '1' } } };
const token = issuer.mint({ iss: 'https://issuer.test', sub: 'a', aud: gw.url, scope: 'x' }, { lifetime: 600 });
const forged = issuer.mint({ iss: 'https://issuer.test', sub: 'a', aud: 'https://elsewhere.test/mcp', scope: 'x' });
const h = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
try {
  const ok = await raw(gw.port, 'POST', '/mcp', { ...h, Authorization: `Bearer ${token}` }, initialize);
  report.check(ok.status === 200, 'a request with a valid token is answered', String(ok.status));
  const refused = await raw(gw.port, 'POST', '/mcp', { ...h, Authorization: `Bearer ${forged}` }, initialize);
  report.check(refused.status === 401, 'a token for another audience is refused', String(refused.status));
  const refusedId = refused.headers['x-request-id'];
  const failed = await raw(gw.port, 'POST', '/down', h, initialize);
  const rid = failed.headers['x-request-id'];
  report.check(failed.status === 502 && rid, 'a request to an unreachable upstream fails with a request id', `${failed.status} ${rid}`);

  gw.proc.kill('SIGHUP');
  const deadline = Date.now() + 5000;
  while (!/reloaded authorization and policy \(SIGHUP\)/.test(gw.log()) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  await gw.stop();

  const lines = gw.log().split('\n').filter((l) => l !== '');
  const parsed = lines.map((l) => { try { return JSON.parse(l); } catch { return null; } });
  const bad = lines.filter((_, i) => parsed[i] === null || typeof parsed[i] !== 'object');
  report.check(lines.length > 0 && bad.length === 0, 'every stderr line is a JSON object', bad.slice(0, 3).join(' | '));
  const objs = parsed.filter((o) => o && typeof o === 'object');
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
  const malformed = objs.filter((o) => !rfc3339.test(o.time) || !['error', 'warn', 'info', 'debug'].includes(o.level) || typeof o.msg !== 'string');
  report.check(malformed.length === 0, 'every line has time (RFC 3339 UTC, ms), level and msg', JSON.stringify(malformed.slice(0, 2)));
  const about = objs.filter((o) => o.request_id === rid);
  report.check(about.length > 0 && about.every((o) => o.level === 'warn' && o.upstream === 'down/gone'),
    "the upstream failure is logged with the request id the client received, and the upstream's label", JSON.stringify(objs.filter((o) => o.request_id)));
  report.check(objs.some((o) => /reloaded authorization and policy \(SIGHUP\)/.test(o.msg) && o.level === 'info'), 'the SIGHUP reload is logged');
  report.check(objs.some((o) => o.upstream === 'e/e' && /started pid \d+/.test(o.msg)), "the stdio child's start is logged with its upstream");
  report.check(objs.some((o) => o.level === 'warn' && o.endpoint === '/down'), 'the anonymous endpoint is announced as a warning naming it');
  // Regression: the audit record of a request refused for its token had an empty request_id.
  const audit = readFileSync(auditFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const unauthenticated = audit.filter((r) => r.decision === 'unauthenticated');
  report.check(refusedId && unauthenticated.length === 1 && unauthenticated[0].request_id === refusedId,
    'the audit record of the refused request carries the request id the client received', `${refusedId} ${JSON.stringify(unauthenticated)}`);
  report.check(objs.some((o) => o.request_id === refusedId && o.level === 'debug' && o.endpoint === '/mcp'),
    'at debug level, the refusal is logged with its request id and endpoint');
  const leaked = lines.filter((l) => l.includes(token) || l.includes(forged) || l.includes(token.split('.')[2]));
  report.check(leaked.length === 0, 'no token reaches the log', leaked.join(' | '));
} catch (e) {
  report.check(false, 'test ran to the end', `${e?.stack ?? e}\n${gw.log()}`);
  await gw.stop();
}
// --log-format on the command line applies from the first line: a configuration that does not
// validate is reported as one JSON error line, and the process exits 2.
const badFile = join(dir, 'bad.yaml');
writeFileSync(badFile, 'servers: []\nlog: { format: text }\n');
const bad = spawnSync(gatewayBin, ['serve', '--config', badFile, '--log-format', 'json', '--log-level', 'warn'], { encoding: 'utf8' });
const badLines = bad.stderr.split('\n').filter(Boolean);
let badParsed = null;
try { badParsed = badLines.map((l) => JSON.parse(l)); } catch { /* not JSON */ }
report.check(bad.status === 2 && badParsed?.length === 1 && badParsed[0].level === 'error' && /invalid configuration/.test(badParsed[0].msg),
  '--log-format json: a configuration refused at start-up is one JSON error line', `${bad.status} ${bad.stderr}`);
if (report.failed) console.error(gw.log());
report.finish();

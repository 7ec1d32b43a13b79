// Every refusal is counted and audited by the reason's stable name, whichever stage made it
// (gateway/refusal): authentication (decision unauthenticated: missing_token, expired,
// wrong_audience, bad_signature), the front door (deny, rule front-door) and the endpoint's
// required scopes (deny, rule required_scopes). No token ever reaches the audit log or /metrics
// (MCP authorization, "Token Handling"). Regression: a failed authentication was audited with the
// challenge text and counted only as errors_total{reason="unauthorized"}; front-door refusals were
// not audited at all.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report, raw, startGateway, tempDir, testIssuer } from './lib.mjs';
import { stopWithin } from './support/mcp_client.mjs';

const report = new Report('refusal-audit');
const dir = tempDir();
const issuer = testIssuer(dir);
const forger = testIssuer(dir, 'k1');  // same kid, another key
writeFileSync(join(dir, 'jwks.json'), issuer.jwks);
const audit = join(dir, 'audit.jsonl');
const ISS = 'https://issuer.test';
const gw = await startGateway(`audit_log: ${audit}
servers:
  - name: s
    path: /mcp
    auth:
      scopes_supported: [mcp:read]
      required_scopes: [mcp:read]
      issuers:
        - { issuer: "${ISS}", algorithms: [ES256], jwks_file: "${join(dir, 'jwks.json')}" }
    upstreams:
      - name: u
        http: { url: "http://127.0.0.1:9/mcp" }
`);
const RES = `http://127.0.0.1:${gw.port}/mcp`;
const base = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra = {}) => ({ iss: ISS, sub: 'alice', aud: RES, client_id: 'c', scope: 'mcp:read', ...extra });
const auditLines = () => readFileSync(audit, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const metric = async (series) => {
  const r = await raw(gw.port, 'GET', '/metrics', { Host: `127.0.0.1:${gw.port}` });
  const line = r.body.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : NaN;
};

try {
  const tokens = {
    expired: issuer.mint(claims({ exp: now() - 3600, iat: now() - 7200 })),
    wrong_audience: issuer.mint(claims({ aud: 'https://elsewhere.test/mcp' })),
    bad_signature: forger.mint(claims()),
  };
  const r0 = await raw(gw.port, 'POST', '/mcp', base, ping);
  report.check(r0.status === 401, 'no token: 401', `${r0.status}`);
  for (const [reason, token] of Object.entries(tokens)) {
    const r = await raw(gw.port, 'POST', '/mcp', { ...base, Authorization: `Bearer ${token}` }, ping);
    report.check(r.status === 401 && /error="invalid_token"/.test(r.headers['www-authenticate'] ?? ''), `${reason}: 401 invalid_token`, `${r.status}`);
  }
  const good = issuer.mint(claims());
  const bad = await raw(gw.port, 'POST', '/mcp', { ...base, Authorization: `Bearer ${good}` }, '{"jsonrpc":');
  report.check(bad.status === 400 && bad.json?.error?.code === -32700, 'front door: a parse error is 400 / -32700');
  const narrow = issuer.mint(claims({ scope: 'other' }));
  const base403 = await raw(gw.port, 'POST', '/mcp', { ...base, Authorization: `Bearer ${narrow}` }, ping);
  report.check(base403.status === 403 && /insufficient_scope/.test(base403.headers['www-authenticate'] ?? ''), 'a token without the required scope: 403 insufficient_scope');

  const lines = auditLines();
  const unauth = lines.filter((l) => l.decision === 'unauthenticated');
  for (const reason of ['missing_token', 'expired', 'wrong_audience', 'bad_signature'])
    report.check(unauth.some((l) => l.reason === reason && l.rule === 'authentication' && l.endpoint === '/mcp' && l.request_id && !l.subject),
      `audited: unauthenticated, reason ${reason}, with the request id and no principal`, JSON.stringify(unauth));
  report.check(lines.some((l) => l.decision === 'deny' && l.rule === 'front-door' && l.reason === 'parse_error' && l.subject === 'alice'),
    'audited: the parse error (deny, front-door, parse_error, the principal)', JSON.stringify(lines.slice(-3)));
  report.check(lines.some((l) => l.decision === 'deny' && l.rule === 'required_scopes' && l.reason === 'insufficient_scope' && l.method === 'ping'),
    'audited: the missing required scope (deny, required_scopes, insufficient_scope)');
  const text = readFileSync(audit, 'utf8');
  report.check(![...Object.values(tokens), good, narrow].some((t) => text.includes(t) || text.includes(t.split('.')[2])),
    'no token (nor its signature) in the audit log');

  for (const reason of ['missing_token', 'expired', 'wrong_audience', 'bad_signature'])
    report.check(await metric(`mcpgate_auth_refusals_total{reason="${reason}"}`) === 1, `/metrics: mcpgate_auth_refusals_total{reason="${reason}"} 1`);
  report.check(await metric('mcpgate_errors_total{reason="unauthorized"}') === 4, '/metrics: errors_total{reason="unauthorized"} still counts every failed authentication');
  report.check(await metric('mcpgate_errors_total{reason="parse_error"}') === 1, '/metrics: errors_total{reason="parse_error"} 1');
} finally {
  await stopWithin(gw);
}
report.finish();

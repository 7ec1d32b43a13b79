// The example CRM API (examples/crm/crm_api) alone, as a resource server: it accepts only tokens
// whose audience is its own URL (RFC 8707; MCP authorization, "Token Audience Binding and
// Validation": a server MUST reject tokens not issued for it), needs crm:read to read and
// crm:write to change (403 insufficient_scope, RFC 6750 §3.1, naming the scope), never crashes on
// bad input (bad tokens, bad JSON, unknown fields, a wrong media type), and logs one JSON line per
// request naming the presented token's audience, scope, subject and actor. The issuer here is a
// test key whose metadata and JWKS a small server publishes; tokens come from `mcpgate token mint`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Report, root, tempDir, testIssuer } from './lib.mjs';

const report = new Report('crm-api');
const dir = tempDir();
const key = testIssuer(dir);
const meta = http.createServer((req, res) => {
  const issuer = `http://127.0.0.1:${meta.address().port}`;
  if (req.url === '/.well-known/oauth-authorization-server')
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
  else if (req.url === '/jwks') res.writeHead(200, { 'Content-Type': 'application/json' }).end(key.jwks);
  else res.writeHead(404).end();
});
await new Promise((r) => meta.listen(0, '127.0.0.1', r));
const issuer = `http://127.0.0.1:${meta.address().port}`;
const logFile = join(dir, 'crm-api.jsonl');
const api = spawn(join(root, 'build/release/examples/crm/crm_api'),
  ['--listen', '127.0.0.1:0', '--issuer', issuer, '--db', join(dir, 'crm.db'), '--log', logFile], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
api.stdout.on('data', (d) => { out += d; });
const until = Date.now() + 10000;
while (!/listening on (\S+)\n/.test(out) && Date.now() < until && api.exitCode === null) await new Promise((r) => setTimeout(r, 25));
const base = out.match(/listening on (\S+)\n/)?.[1];
report.check(/^http:\/\/127\.0\.0\.1:\d+\/api$/.test(base ?? ''), 'crm_api says where it listens', out);

const token = (claims) => key.mint({ iss: issuer, sub: 'bob', client_id: 'mcpgate', ...claims });
const call = async (method, path, tok, body, type = 'application/json') => {
  const headers = {};
  if (tok !== undefined) headers.authorization = `Bearer ${tok}`;
  if (body !== undefined) headers['content-type'] = type;
  const res = await fetch(`${base}${path}`, { method, headers, body });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, challenge: res.headers.get('www-authenticate') ?? '', json };
};
const logLines = () => readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

try {
  const reader = token({ aud: base, scope: 'crm:read', act: { sub: 'mcpgate' } });
  const writer = token({ aud: base, scope: 'crm:read crm:write', act: { sub: 'mcpgate' } });
  const gatewayAudience = token({ aud: 'http://127.0.0.1:8080/mcp', scope: 'mcp:read mcp:write crm:read crm:write' });

  const none = await call('GET', '/customers');
  report.check(none.status === 401 && none.challenge.includes(`resource_metadata="${base.replace('/api', '')}/.well-known/oauth-protected-resource/api"`),
    'no token: 401 with the resource metadata URL (RFC 9728 §5.1)', `${none.status} ${none.challenge}`);
  const prm = await fetch(`${base.replace('/api', '')}/.well-known/oauth-protected-resource/api`).then((r) => r.json());
  report.check(prm.resource === base && prm.authorization_servers?.[0] === issuer, 'its protected resource metadata names it and the issuer', JSON.stringify(prm));

  // RFC 8707 / MCP authorization: a token for another audience (the gateway's endpoint) is refused.
  const foreign = await call('GET', '/customers/1', gatewayAudience);
  report.check(foreign.status === 401 && /error="invalid_token"/.test(foreign.challenge),
    "a token for the gateway's audience is refused: 401 invalid_token (it is not for this API)", `${foreign.status} ${foreign.challenge}`);
  const noAud = await call('GET', '/customers/1', token({ scope: 'crm:read' }));
  report.check(noAud.status === 401, 'a token without an audience is refused', String(noAud.status));
  const otherIssuer = await call('GET', '/customers/1', key.mint({ iss: 'http://evil.example', aud: base, sub: 'x', scope: 'crm:read' }));
  report.check(otherIssuer.status === 401, 'a token from another issuer is refused', String(otherIssuer.status));
  const expired = await call('GET', '/customers/1', token({ aud: base, scope: 'crm:read', exp: 1000, iat: 900 }));
  report.check(expired.status === 401, 'an expired token is refused', String(expired.status));
  for (const [bad, what] of [['not-a-jwt', 'a word'], ['a.b.c', 'three bad parts'], ['x'.repeat(10000), 'a 10 kB token'], ['x'.repeat(20000), 'a 20 kB header'],
    [`${reader.split('.').slice(0, 2).join('.')}.AAAA`, 'a bad signature']]) {
    const r = await call('GET', '/customers', bad);
    report.check([400, 401, 431].includes(r.status), `garbage token (${what}): refused, no crash`, String(r.status));
  }

  const list = await call('GET', '/customers', reader);
  report.check(list.status === 200 && list.json?.customers?.length === 3, 'crm:read lists the customers', JSON.stringify(list.json));
  const found = await call('GET', `/customers?q=${encodeURIComponent('Hopper')}`, reader);
  report.check(found.json?.customers?.length === 1 && found.json.customers[0].id === '3', 'search by name', JSON.stringify(found.json));
  const one = await call('GET', '/customers/1', reader);
  report.check(one.status === 200 && one.json?.name === 'Ada Lovelace', 'crm:read reads one customer', JSON.stringify(one.json));
  const missing = await call('GET', '/customers/99', reader);
  report.check(missing.status === 404, 'an unknown customer is 404', String(missing.status));

  const denied = await call('PATCH', '/customers/1', reader, JSON.stringify({ notes: 'x' }));
  report.check(denied.status === 403 && /error="insufficient_scope"/.test(denied.challenge) && /scope="crm:write"/.test(denied.challenge),
    'crm:read cannot change: 403 insufficient_scope naming crm:write (RFC 6750 §3.1)', `${denied.status} ${denied.challenge}`);
  const delDenied = await call('DELETE', '/customers/2', reader);
  report.check(delDenied.status === 403, 'crm:read cannot delete', String(delDenied.status));

  for (const [body, type, what, status] of [['{"notes": ', 'application/json', 'truncated JSON', 400],
    ['[1,2]', 'application/json', 'an array', 400], ['{"notes": 5}', 'application/json', 'a number field', 400],
    ['{"id": "7"}', 'application/json', 'an unknown field', 400], ['{"notes":"a","notes":"b"}', 'application/json', 'a duplicate key', 400],
    ['{"notes": "x"}', 'text/plain', 'another media type', 415], ['\u0000\u00ff', 'application/json', 'binary', 400]]) {
    const r = await call('PATCH', '/customers/1', writer, body, type);
    report.check(r.status === status, `PATCH with ${what}: ${status}`, `${r.status} ${JSON.stringify(r.json)}`);
  }
  const patched = await call('PATCH', '/customers/1', writer, JSON.stringify({ notes: 'Called on Monday.' }));
  report.check(patched.status === 200 && patched.json?.notes === 'Called on Monday.' && patched.json?.name === 'Ada Lovelace',
    'crm:write changes a field and keeps the others', JSON.stringify(patched.json));
  const reread = await call('GET', '/customers/1', reader);
  report.check(reread.json?.notes === 'Called on Monday.', 'the change is stored', JSON.stringify(reread.json));
  const deleted = await call('DELETE', '/customers/2', writer);
  const gone = await call('GET', '/customers/2', reader);
  report.check(deleted.status === 200 && gone.status === 404, 'crm:write deletes', `${deleted.status} ${gone.status}`);
  const wrongMethod = await call('POST', '/customers', writer, '{}');
  report.check(wrongMethod.status === 405, 'POST is not an operation: 405', String(wrongMethod.status));
  const elsewhere = await call('GET', '/../etc/passwd', writer);
  report.check(elsewhere.status === 404 || elsewhere.status === 400, 'other paths: 404', String(elsewhere.status));
  report.check(api.exitCode === null, 'crm_api is still running after all of that');

  const lines = logLines();
  const accepted = lines.filter((l) => l.token?.verified);
  report.check(accepted.length > 0 && accepted.every((l) => l.token.aud === base && l.token.act?.sub === 'mcpgate' && l.token.sub === 'bob'),
    'the log names the audience, subject and actor of every accepted token', JSON.stringify(accepted[0]));
  const refusedForeign = lines.find((l) => l.path === '/api/customers/1' && l.status === 401 && l.token?.aud === 'http://127.0.0.1:8080/mcp');
  report.check(refusedForeign?.token?.verified === false && refusedForeign.error === 'wrong_audience',
    "the log says the gateway-audience token was refused, and why", JSON.stringify(refusedForeign));
  report.check(!readFileSync(logFile, 'utf8').includes(reader.split('.')[2]), 'the log carries no token');
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  api.kill('SIGTERM');
  await new Promise((r) => (api.exitCode !== null || api.signalCode !== null ? r() : api.on('exit', r)));
  meta.close();
}
report.finish();

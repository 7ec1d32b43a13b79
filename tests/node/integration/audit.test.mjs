// `mcpgate audit` against deliberately weak servers and against mcpgate itself (docs/audit.md).
// Each weakness must be reported as a failure of the check that names it; mcpgate with its
// embedded authorization server passes every check (the one documented warning: plain http on
// loopback). Every server records the JSON-RPC methods it received: the audit sends nothing but
// initialize, notifications/initialized, ping and tools/list — never tools/call.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { scrape } from './authserver_helpers.mjs';
import { allowedMethods, runAudit, validate, verdict } from './audit_support.mjs';
import { Report, gatewayBin, raw, root, startGateway, testIssuer, tempDir } from './lib.mjs';
import { makeCa } from './support/test_ca.mjs';
import { startSdkServer, startWeakServer } from './support/weak_mcp_servers.mjs';

const report = new Report('audit');
const dir = tempDir();
const issuer = testIssuer(dir);
const servers = [];
const onlyAllowed = (methods) => methods.every((m) => allowedMethods.has(m));

// A token from the gateway's embedded authorization server, the way a browser gets one: register,
// sign in, approve, redeem the code (PKCE S256, resource = the endpoint).
async function embeddedToken(gw) {
  const host = `127.0.0.1:${gw.port}`;
  const form = (f) => new URLSearchParams(f).toString();
  const formHeaders = (extra = {}) => ({ host, 'content-type': 'application/x-www-form-urlencoded', ...extra });
  const redirectUri = 'http://127.0.0.1:9/callback';
  const reg = await raw(gw.port, 'POST', '/register', { host, 'content-type': 'application/json' },
    { client_name: 'audit test', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'] });
  const verifier = randomBytes(32).toString('base64url');
  const login = await raw(gw.port, 'GET', `/authorize?${new URLSearchParams({
    response_type: 'code', client_id: reg.json?.client_id, redirect_uri: redirectUri, state: 's1', scope: 'mcp:read',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', resource: gw.url,
  })}`, { host });
  const cookie = (login.headers['set-cookie'] ?? [''])[0].split(';')[0];
  const consent = await raw(gw.port, 'POST', '/authorize/login', formHeaders({ cookie }),
    form({ request_id: scrape(login.body, 'request_id'), csrf_token: scrape(login.body, 'csrf_token'), username: 'alice', password: 'alice-password' }));
  const cookie2 = (consent.headers['set-cookie'] ?? [''])[0].split(';')[0];
  const approved = await raw(gw.port, 'POST', '/authorize/consent', formHeaders({ cookie: cookie2 }),
    form({ request_id: scrape(consent.body, 'request_id'), csrf_token: scrape(consent.body, 'csrf_token'), decision: 'approve' }));
  const code = new URL(approved.headers.location ?? 'http://x/').searchParams.get('code');
  const token = await raw(gw.port, 'POST', '/token', formHeaders(), form({
    grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: reg.json?.client_id, code_verifier: verifier, resource: gw.url }));
  return token.json?.access_token;
}

try {
  // mcpgate with the embedded authorization server: the reference.
  const added = spawnSync(gatewayBin, ['users', 'add', 'alice', '--storage', `sqlite:${join(dir, 'as.db')}`, '--password-stdin'],
    { input: 'alice-password\n', encoding: 'utf8' });
  report.check(added.status === 0, 'mcpgate users add', added.stderr);
  const gw = await startGateway(`authorization_server:
  storage: sqlite:${join(dir, 'as.db')}
servers:
  - name: who
    path: /mcp
    auth:
      scopes_supported: [mcp:read]
    policy:
      rules:
        - { tools: ["*"], scopes: [mcp:read] }
    upstreams:
      - name: who
        stdio: { command: ["node", "${join(root, 'tests/node/integration/support/whoami_stdio_server.mjs')}"] }
`);
  servers.push(gw);
  const self = await runAudit([gw.url, '--json']);
  const checks = self.json?.endpoints?.[0]?.checks ?? [];
  const notPassing = checks.filter((c) => c.verdict === 'fail' || c.verdict === 'warn').map((c) => c.id);
  report.check(checks.length >= 25 && !checks.some((c) => c.verdict === 'fail'), 'mcpgate with its authorization server: no check fails', self.stdout.slice(0, 600));
  report.check(notPassing.length === 1 && notPassing[0] === 'transport.tls',
    'the only warning is the documented one (plain http on loopback)', notPassing.join(','));
  report.check(self.code === 1 && self.json?.summary?.exit_code === 1, 'exit code 1: the worst finding is a warning', String(self.code));
  for (const id of ['token.alg_none', 'token.expired', 'token.malformed', 'token.hs256_public_key', 'transport.origin', 'prm.resource', 'as.pkce_s256'])
    report.check(verdict(self.json, id) === 'pass', `mcpgate: ${id} passes`, verdict(self.json, id));
  const v = validate(self.json);
  report.check(v.ok, 'the JSON report validates against docs/audit.schema.json', v.errors);
  report.check(self.json?.endpoints?.[0]?.requests <= self.json?.endpoints?.[0]?.request_budget, 'the request count stays within the budget');
  const own = await embeddedToken(gw);
  report.check(typeof own === 'string' && own.length > 20, 'a token from the embedded authorization server');
  const withToken = await runAudit([gw.url, '--json', '--token-env', 'AUDIT_TOKEN'], { AUDIT_TOKEN: own });
  const tokenChecks = withToken.json?.endpoints?.[0]?.checks ?? [];
  report.check(tokenChecks.filter((c) => c.verdict === 'fail' || c.verdict === 'warn').map((c) => c.id).join(',') === 'transport.tls',
    'mcpgate with your token: still only the loopback warning', withToken.stdout.slice(0, 400));
  for (const id of ['operator.accepted', 'operator.tampered', 'token.query_string', 'transport.origin'])
    report.check(verdict(withToken.json, id) === 'pass', `mcpgate with your token: ${id} passes`, verdict(withToken.json, id));
  report.check(verdict(withToken.json, 'operator.audience') === 'skipped', 'a token for this endpoint: the audience check is skipped (needs minting)');
  report.check(!withToken.stdout.includes(own), 'the token is not in the report');
  const table = await runAudit([gw.url]);
  report.check(table.code === 1 && /transport\.tls/.test(table.stdout) && /requests \(budget 32\)/.test(table.stdout) && !table.stdout.includes('\u001b['),
    'the table names each check and the request count, without colour when not on a terminal', table.stdout.slice(-300));

  // (a) no authorization at all, in both eras.
  const open = await startWeakServer({ auth: false });
  const openLegacy = await startWeakServer({ auth: false, era: 'legacy' });
  servers.push(open, openLegacy);
  const a = await runAudit([open.url, '--json']);
  report.check(verdict(a.json, 'anonymous.tools_list') === 'fail' && a.json?.endpoints?.[0]?.anonymous_access === true && a.code === 2,
    '(a) no auth, 2026-07-28: anonymous.tools_list fails, exit 2', a.stdout.slice(0, 300));
  const al = await runAudit([openLegacy.url, '--json']);
  report.check(verdict(al.json, 'anonymous.initialize') === 'fail' && verdict(al.json, 'anonymous.tools_list') === 'fail',
    '(a) no auth, 2025-11-25: initialize and tools/list answered without a token fail', al.stdout.slice(0, 300));

  // (b) the TypeScript SDK's requireBearerAuth with no audience check: a token for another
  // resource of the same issuer is accepted.
  const sdk = await startSdkServer({ jwks: issuer.jwks });
  servers.push(sdk);
  const foreign = issuer.mint({ iss: sdk.base, sub: 'alice', aud: 'https://other.example/mcp', scope: 'mcp:read' });
  const b = await runAudit([sdk.url, '--json', '--token-env', 'AUDIT_TOKEN'], { AUDIT_TOKEN: foreign });
  report.check(verdict(b.json, 'operator.audience') === 'fail' && b.code === 2,
    '(b) TypeScript SDK without an audience check: operator.audience fails', b.stdout.slice(0, 400));
  report.check(verdict(b.json, 'operator.tampered') === 'pass' && verdict(b.json, 'token.alg_none') === 'pass',
    '(b) its signature checks still pass (tampered token, alg none refused)');
  report.check(!b.stdout.includes(foreign), 'the operator token never appears in the report');

  // (c) an unsigned token accepted.
  const none = await startWeakServer({ acceptAlgNone: true, jwks: issuer.jwks });
  servers.push(none);
  const c = await runAudit([none.url, '--json']);
  report.check(verdict(c.json, 'token.alg_none') === 'fail' && verdict(c.json, 'token.expired') === 'pass' && c.code === 2,
    '(c) alg none accepted: token.alg_none fails, the others pass', c.stdout.slice(0, 300));

  // (d) no Protected Resource Metadata.
  const noPrm = await startWeakServer({ prm: false, jwks: issuer.jwks });
  servers.push(noPrm);
  const d = await runAudit([noPrm.url, '--json']);
  report.check(verdict(d.json, 'prm.well_known') === 'fail' && verdict(d.json, 'challenge.resource_metadata') === 'warn' && d.code === 2,
    '(d) no PRM: prm.well_known fails, the challenge lacks resource_metadata', d.stdout.slice(0, 300));

  // (e) no Origin check: with the operator's valid token, a foreign Origin is served.
  const noOrigin = await startWeakServer({ originCheck: false, jwks: issuer.jwks });
  servers.push(noOrigin);
  const good = issuer.mint({ iss: noOrigin.base, sub: 'alice', aud: `${noOrigin.url}`, scope: 'mcp:read' });
  const e = await runAudit([noOrigin.url, '--json', '--token', good]);
  report.check(verdict(e.json, 'transport.origin') === 'fail' && e.code === 2, '(e) no Origin check: transport.origin fails', e.stdout.slice(0, 300));
  report.check(verdict(e.json, 'operator.accepted') === 'pass' && verdict(e.json, 'operator.audience') === 'skipped' &&
    verdict(e.json, 'operator.tampered') === 'pass' && verdict(e.json, 'token.query_string') === 'pass',
    '(e) the valid token is accepted, refused when tampered or in the query string');

  // A server without weaknesses over https, trusted through --ca-file: every check passes, exit 0.
  const ca = makeCa('audit test CA', dir);
  const leaf = ca.issue('audit-leaf');
  const strong = await startWeakServer({ tls: leaf, hsts: true, jwks: issuer.jwks });
  servers.push(strong);
  const sToken = issuer.mint({ iss: strong.base, sub: 'alice', aud: strong.url, scope: 'mcp:read' });
  const s1 = await runAudit([strong.url, '--json', '--ca-file', ca.certFile, '--token', sToken]);
  const sBad = (s1.json?.endpoints?.[0]?.checks ?? []).filter((c) => c.verdict === 'fail' || c.verdict === 'warn').map((c) => c.id);
  report.check(s1.code === 0 && sBad.length === 0, 'https server without weaknesses: every check passes, exit 0', `${s1.code} ${sBad.join(',')}`);
  report.check(verdict(s1.json, 'transport.tls') === 'pass' && verdict(s1.json, 'transport.hsts') === 'pass', 'https: certificate verified, HSTS present');
  // mcpgate itself behind its own https listener: no warning left, exit 0.
  const gwTls = await startGateway(`tls: { cert_file: ${leaf.certFile}, key_file: ${leaf.keyFile} }
authorization_server:
  storage: sqlite:${join(dir, 'as-tls.db')}
servers:
  - name: who
    path: /mcp
    auth:
      scopes_supported: [mcp:read]
    policy:
      rules:
        - { tools: ["*"], scopes: [mcp:read] }
    upstreams:
      - name: who
        stdio: { command: ["node", "${join(root, 'tests/node/integration/support/whoami_stdio_server.mjs')}"] }
`);
  servers.push(gwTls);
  const tlsAudit = await runAudit([`https://127.0.0.1:${gwTls.port}/mcp`, '--json', '--ca-file', ca.certFile]);
  const tlsBad = (tlsAudit.json?.endpoints?.[0]?.checks ?? []).filter((c) => c.verdict === 'fail' || c.verdict === 'warn').map((c) => c.id);
  report.check(tlsAudit.code === 0 && tlsBad.length === 0 && verdict(tlsAudit.json, 'transport.hsts') === 'pass',
    'mcpgate over https: every check passes (HSTS included), exit 0', `${tlsAudit.code} ${tlsBad.join(',')} ${tlsAudit.stdout.slice(0, 300)}`);

  const untrusted = await runAudit([strong.url, '--json']);
  report.check(untrusted.code === 3 && /certificate|verify|TLS|handshake/i.test(untrusted.json?.endpoints?.[0]?.error ?? ''),
    'https with a certificate the system does not trust: unreachable (exit 3), the TLS error named', untrusted.json?.endpoints?.[0]?.error);

  const sent = [open, openLegacy, sdk, none, noPrm, noOrigin, strong].flatMap((s) => s.methods);
  report.check(sent.length > 0 && onlyAllowed(sent), 'no method outside the allow-list (no tools/call) reached any server',
    [...new Set(sent)].join(','));

  // Hostile servers must not hang the audit: one that never answers, one whose metadata never
  // ends (the deadline and the body limit end them; each request counts against the budget).
  const silent = net.createServer(() => { /* accept, never answer */ });
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  const silentSockets = [];
  servers.push({ stop: () => new Promise((r) => { silent.close(r); for (const c of silentSockets) c.destroy(); }) });
  silent.on('connection', (c) => silentSockets.push(c));
  let t0 = Date.now();
  const hung = await runAudit([`http://127.0.0.1:${silent.address().port}/mcp`, '--json', '--timeout', '1']);
  report.check(hung.code === 3 && Date.now() - t0 < 10000, 'a server that never answers: unreachable after the deadline (exit 3)', `${hung.code} ${Date.now() - t0} ms`);
  const endless = http.createServer((req, res) => {
    if (req.method === 'POST') {
      res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="http://127.0.0.1:${endless.address().port}/.well-known/oauth-protected-resource/mcp"` });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => { while (res.write(chunk)) { /* until the buffer is full */ } };
    res.on('drain', pump);
    res.write('{"resource":"');
    pump();
  });
  await new Promise((r) => endless.listen(0, '127.0.0.1', r));
  servers.push({ stop: () => new Promise((r) => { endless.closeAllConnections(); endless.close(r); }) });
  t0 = Date.now();
  const flood = await runAudit([`http://127.0.0.1:${endless.address().port}/mcp`, '--json', '--timeout', '2']);
  report.check(flood.code === 2 && verdict(flood.json, 'prm.advertised') === 'fail' && Date.now() - t0 < 15000,
    'metadata that never ends: cut by the body limit, reported as failing, the audit completes', `${flood.code} ${Date.now() - t0} ms`);

  const unreachable = await runAudit(['http://127.0.0.1:9/mcp', '--json', '--timeout', '2']);
  report.check(unreachable.code === 3 && unreachable.json?.endpoints?.[0]?.reachable === false, 'an unreachable endpoint: exit 3');
  const usage = await runAudit([]);
  report.check(usage.code === 3, 'no URL and no --list: exit 3 (usage)');
} finally {
  for (const s of servers) await s.stop();
}
report.finish();

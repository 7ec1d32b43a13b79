// Downstream credentials from an authorization server nobody here wrote: oidc-provider (panva),
// in process. The gateway is its confidential client and gets tokens for its upstreams with the
// client_credentials grant (RFC 6749 §4.4) and an RFC 8707 resource indicator; each upstream is a
// CRM API that verifies every token it receives (support/token_checking_upstream: signature by a
// key of the issuer's jwks_uri, found through its OpenID Connect discovery document, typ at+jwt,
// iss, aud = its own URL, exp) and records it.
//
// Why client_credentials and not token exchange: oidc-provider has no RFC 8693 grant. Its grants
// are authorization_code, client_credentials, refresh_token, device_code, ciba and
// pre_authorized_code (lib/actions/grants/); token exchange is left to `registerGrantType`, a
// custom grant its author says each deployment must profile itself — that handler would be code
// written here, so it would prove nothing about interoperability. token_exchange.test.mjs covers
// RFC 8693 against the embedded authorization server.
//
// Shown here: the token endpoint found through `issuer:` (metadata discovery) and through an
// explicit `token_endpoint:`; client_secret_basic and client_secret_post (seen at the token
// endpoint: oidc-provider itself accepts either from any client with a secret); aud = the upstream's URL and only the
// configured scopes; one token request for a burst of calls; a refused client authentication
// answered 502 without reaching the upstream or showing the secret; secrets only from
// client_secret_env / client_secret_file; and a token endpoint over https trusted through
// credentials.tls.ca_file.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report, gatewayBin, raw, startGateway, tempDir } from './lib.mjs';
import { startOidcProvider } from './support/oidc_provider.mjs';
import { makeCa } from './support/test_ca.mjs';
import { startTokenCheckingUpstream } from './support/token_checking_upstream.mjs';

const report = new Report('external-credentials');
const dir = tempDir();
const audit = join(dir, 'audit.jsonl');
const BASIC = { id: 'gateway-basic', secret: 'basic-secret-4f1d8e2a' };
const POST = { id: 'gateway-post', secret: 'post-secret-9c3b7a61' };
const WRONG = 'wrong-secret-77e0c2d5';
// What the CRM API's resource server offers at oidc-provider; the gateway asks for less.
const ALL = 'crm.read crm.write crm.admin';
const client = (c, method) => ({ client_id: c.id, client_secret: c.secret, grant_types: ['client_credentials'], redirect_uris: [],
  response_types: [], token_endpoint_auth_method: method });

// One CRM API per upstream, so that each token's audience and scopes are its own. The first is
// signed RS256, the others ES256: both algorithms the upstream accepts are exercised.
const [viaIssuer, viaEndpoint, burst, cold, refused] = await Promise.all([
  startTokenCheckingUpstream({ algorithms: ['RS256'] }), startTokenCheckingUpstream(), startTokenCheckingUpstream(),
  startTokenCheckingUpstream(), startTokenCheckingUpstream()]);
const resources = new Map();
for (const [u, alg] of [[viaIssuer, 'RS256'], [viaEndpoint, 'ES256'], [burst, 'ES256'], [cold, 'ES256'], [refused, 'ES256']])
  resources.set(u.url, { format: 'jwt', alg, scope: ALL });
const op = await startOidcProvider({ resources, clients: [client(BASIC, 'client_secret_basic'), client(POST, 'client_secret_post')] });
for (const u of [viaIssuer, viaEndpoint, burst, cold, refused]) u.trust(op.issuer);

// The same over https, its certificate from a CA made for this run.
const ca = makeCa('external credentials CA');
const leaf = ca.issue('token-endpoint');
const tlsUpstream = await startTokenCheckingUpstream({ ca: ca.pem });
const tlsResources = new Map([[tlsUpstream.url, { format: 'jwt', alg: 'ES256', scope: ALL }]]);
const tlsOp = await startOidcProvider({ resources: tlsResources, clients: [client(BASIC, 'client_secret_basic')],
  tls: { key: leaf.key, cert: leaf.cert, ca: ca.pem } });
tlsUpstream.trust(tlsOp.issuer);

process.env.MCPGATE_TEST_BASIC_SECRET = BASIC.secret;
process.env.MCPGATE_TEST_WRONG_SECRET = WRONG;
const postSecretFile = join(dir, 'post-secret');
writeFileSync(postSecretFile, `${POST.secret}\n`, { mode: 0o600 });

const endpoint = (name, upstream, credentials) => `  - name: ${name}
    path: /${name}
    # The gateway's own endpoint needs no client token: client_credentials asks for one of the
    # gateway's own, whoever calls.
    auth: { anonymous: true }
    upstreams:
      - name: crm-api
        http: { url: "${upstream.url}" }
        credentials:
          mode: client_credentials
${credentials.map((l) => `          ${l}\n`).join('')}`;
const config = `audit_log: ${audit}
servers:
${endpoint('issuer', viaIssuer, [`issuer: ${op.issuer}`, `client_id: ${BASIC.id}`, 'client_secret_env: MCPGATE_TEST_BASIC_SECRET', 'scopes: [crm.read]'])}${
  endpoint('endpoint', viaEndpoint, [`token_endpoint: ${op.meta.token_endpoint}`, `client_id: ${POST.id}`, `client_secret_file: ${postSecretFile}`,
    'client_auth: client_secret_post', 'scopes: [crm.read, crm.write]'])}${
  endpoint('burst', burst, [`token_endpoint: ${op.meta.token_endpoint}`, `client_id: ${BASIC.id}`, 'client_secret_env: MCPGATE_TEST_BASIC_SECRET', 'scopes: [crm.read]'])}${
  endpoint('cold', cold, [`token_endpoint: ${op.meta.token_endpoint}`, `client_id: ${BASIC.id}`, 'client_secret_env: MCPGATE_TEST_BASIC_SECRET', 'scopes: [crm.read]'])}${
  endpoint('refused', refused, [`token_endpoint: ${op.meta.token_endpoint}`, `client_id: ${BASIC.id}`, 'client_secret_env: MCPGATE_TEST_WRONG_SECRET', 'scopes: [crm.read]'])}${
  endpoint('tls', tlsUpstream, [`issuer: ${tlsOp.issuer}`, `client_id: ${BASIC.id}`, 'client_secret_env: MCPGATE_TEST_BASIC_SECRET', 'scopes: [crm.read]',
    `tls: { ca_file: ${ca.certFile} }`])}${
  endpoint('untrusted', refused, [`issuer: ${tlsOp.issuer}`, `client_id: ${BASIC.id}`, 'client_secret_env: MCPGATE_TEST_BASIC_SECRET', 'scopes: [crm.read]'])}`;

// `mcpgate check-config FILE` on a variation of the configuration.
const checkConfig = (text) => {
  const file = join(dir, `check-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `listen: 127.0.0.1:1\n${text}`);
  return spawnSync(gatewayBin, ['check-config', file], { encoding: 'utf8' });
};
let cc = checkConfig(config);
report.check(cc.status === 0, 'check-config accepts secrets from client_secret_env and client_secret_file', `${cc.stdout}${cc.stderr}`);
const inline = config.replace('client_secret_env: MCPGATE_TEST_BASIC_SECRET', `client_secret: ${BASIC.secret}`);
cc = checkConfig(inline);
report.check(cc.status !== 0 && /client_secret/.test(cc.stdout + cc.stderr) && !(cc.stdout + cc.stderr).includes(BASIC.secret),
  'check-config refuses an inline client_secret (the configuration text is shown and committed) and does not echo it', `${cc.status} ${cc.stdout}${cc.stderr}`);
cc = checkConfig(config.replace('client_secret_env: MCPGATE_TEST_BASIC_SECRET', `client_secret_env: MCPGATE_TEST_BASIC_SECRET\n          client_secret_file: ${postSecretFile}`));
report.check(cc.status !== 0, 'check-config refuses client_secret_env and client_secret_file together', `${cc.status} ${cc.stdout}${cc.stderr}`);

let gw = null;

// A client session on an endpoint (anonymous, legacy era).
async function session(name) {
  const h = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
  const init = await raw(gw.port, 'POST', `/${name}`, h, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
  const sh = { ...h, 'Mcp-Session-Id': init.headers['mcp-session-id'] ?? 'none', 'MCP-Protocol-Version': '2025-11-25' };
  await raw(gw.port, 'POST', `/${name}`, sh, { jsonrpc: '2.0', method: 'notifications/initialized' });
  let id = 1;
  return { init, call: (tool) => raw(gw.port, 'POST', `/${name}`, sh, { jsonrpc: '2.0', id: id++, method: 'tools/call', params: { name: tool, arguments: {} } }) };
}
const textOf = (r) => r.json?.result?.content?.[0]?.text ?? '';
const tokenPosts = (o = op) => o.hits.filter((h) => h === 'POST /token').length;
const aud = (s) => [s.claims?.aud].flat();

try {
  gw = await startGateway(config);
  // issuer: discovery. The gateway reads the issuer's metadata before its first token request.
  let mark = op.hits.length;
  let auth = op.tokenAuth.length;
  const a = await session('issuer');
  let r = await a.call('crm_read');
  const firstPost = op.hits.indexOf('POST /token', mark);
  const before = op.hits.slice(mark, firstPost);
  // oidc-provider serves its metadata at both the RFC 8414 and the OpenID Connect path.
  report.check(firstPost >= 0 && before.some((h) => /^GET \/\.well-known\/(oauth-authorization-server|openid-configuration)$/.test(h)),
    'issuer: the gateway found the token endpoint through the issuer\'s metadata (RFC 8414 discovery)', op.hits.slice(mark).join(' | '));
  let seen = viaIssuer.seen.filter((s) => s.tool === 'crm_read').at(-1);
  report.check(a.init.status === 200 && r.status === 200 && textOf(r) === `ok:crm_read:${BASIC.id}` && seen?.ok && seen.alg === 'RS256' &&
    JSON.stringify(op.tokenAuth.slice(auth)) === '["Basic"]',
    'the upstream accepted an RS256 token of oidc-provider issued to the gateway\'s client (client_secret_basic)', `${r.body} ${JSON.stringify(seen)}`);
  report.check(seen?.claims.iss === op.issuer && JSON.stringify(aud(seen)) === JSON.stringify([viaIssuer.url]) && seen.claims.client_id === BASIC.id,
    'RFC 8707: the token\'s audience is the upstream\'s URL (the resource indicator the gateway sent), issuer oidc-provider', JSON.stringify(seen?.claims));
  report.check(JSON.stringify(seen?.scopes) === '["crm.read"]',
    'the token carries the configured scope only (crm.read), although the resource offers crm.write and crm.admin too', JSON.stringify(seen?.scopes));
  r = await a.call('crm_update');
  report.check(textOf(r) === 'forbidden: crm.write missing', 'so the upstream itself refuses crm_update with that token', r.body);

  // token_endpoint: explicit, no discovery; client_secret_post from a file.
  mark = op.hits.length;
  auth = op.tokenAuth.length;
  const e = await session('endpoint');
  r = await e.call('crm_update');
  const slice = op.hits.slice(mark, op.hits.indexOf('POST /token', mark));
  seen = viaEndpoint.seen.filter((s) => s.tool === 'crm_update').at(-1);
  report.check(e.init.status === 200 && textOf(r) === `ok:crm_update:${POST.id}` && seen?.ok && seen.alg === 'ES256' &&
    JSON.stringify(op.tokenAuth.slice(auth)) === '[null]' &&
    JSON.stringify(aud(seen)) === JSON.stringify([viaEndpoint.url]) && JSON.stringify(seen.scopes.sort()) === '["crm.read","crm.write"]',
    'client_secret_post (secret from client_secret_file, no Authorization header at the token endpoint): an ES256 token for this upstream with crm.read crm.write', `${r.body} ${JSON.stringify(seen?.claims)}`);
  report.check(!slice.some((h) => h.startsWith('GET /.well-known/')),
    'token_endpoint: the gateway asked the configured token endpoint without reading any metadata', slice.join(' | '));

  // The cache: one token request for the first call, none for the burst that follows, sequential
  // or concurrent.
  const p0 = tokenPosts();
  const b = await session('burst');
  const p1 = tokenPosts();
  let allOk = true;
  for (let i = 0; i < 20; i++) allOk = allOk && textOf(await b.call('crm_read')) === `ok:crm_read:${BASIC.id}`;
  const parallel = await Promise.all(Array.from({ length: 20 }, () => b.call('crm_read')));
  allOk = allOk && parallel.every((x) => textOf(x) === `ok:crm_read:${BASIC.id}`);
  const burstTokens = new Set(burst.seen.filter((s) => s.ok).map((s) => s.token));
  report.check(b.init.status === 200 && p1 - p0 === 1 && tokenPosts() === p1 && allOk && burstTokens.size === 1,
    'cached: forty calls (twenty sequential, twenty concurrent) after the first cause no token request; one token served them all',
    `token requests ${p0}→${p1}→${tokenPosts()}, distinct tokens ${burstTokens.size}`);

  // A cold start: many clients at once before any token is cached still cost one token request
  // (a stampede at the authorization server would multiply with every gateway restart).
  const c0 = tokenPosts();
  const colds = await Promise.all(Array.from({ length: 12 }, () => session('cold')));
  const coldCalls = await Promise.all(colds.map((x) => x.call('crm_read')));
  report.check(colds.every((x) => x.init.status === 200) && coldCalls.every((x) => textOf(x) === `ok:crm_read:${BASIC.id}`) && tokenPosts() - c0 === 1,
    'twelve clients opening sessions at once on a cold cache: one token request', `token requests ${c0}→${tokenPosts()}`);

  // A refused client authentication (wrong secret): a JSON-RPC error, nothing reaches the upstream.
  const w = await session('refused');
  r = w.init;
  const secrets = [WRONG, BASIC.secret, POST.secret, Buffer.from(`${BASIC.id}:${WRONG}`).toString('base64')];
  report.check(r.status === 502 && r.json?.error && r.json.error.data?.reason === 'credentials' && r.json.error.data?.error === 'invalid_client',
    'a wrong client secret: 502, JSON-RPC error with data.reason credentials and data.error invalid_client (oidc-provider\'s answer)', r.body);
  report.check(!secrets.some((s) => r.body.includes(s) || JSON.stringify(r.headers).includes(s)), 'the answer holds nothing of the secret', r.body);
  report.check(refused.seen.length === 0, 'nothing reached the upstream without a credential', JSON.stringify(refused.seen));
  const auditText = readFileSync(audit, 'utf8');
  report.check(auditText.split('\n').filter(Boolean).some((l) => { const j = JSON.parse(l); return j.rule === 'credentials' && j.endpoint === '/refused'; }) &&
    !secrets.some((s) => auditText.includes(s)), 'the failure is audited, and the audit log holds no secret');

  // https: the token endpoint's certificate from a CA the gateway trusts by credentials.tls.ca_file.
  const t = await session('tls');
  r = await t.call('crm_read');
  seen = tlsUpstream.seen.filter((s) => s.tool === 'crm_read').at(-1);
  report.check(t.init.status === 200 && textOf(r) === `ok:crm_read:${BASIC.id}` && seen?.ok && seen.claims.iss === tlsOp.issuer &&
    tlsOp.issuer.startsWith('https://') && tokenPosts(tlsOp) === 1,
    'credentials.tls.ca_file: discovery and token request over https to a server whose CA only the configuration names', `${r.body} ${tlsOp.hits.join(' | ')}`);

  // The same server without ca_file: its certificate is not trusted, so no secret is sent to it.
  const tlsHits = tlsOp.hits.length;
  const u = await session('untrusted');
  report.check(u.init.status === 502 && u.init.json?.error?.data?.reason === 'credentials' && /unreachable/.test(u.init.json?.error?.message ?? '') &&
    tlsOp.hits.length === tlsHits && refused.seen.length === 0,
    'without ca_file the same https server is not trusted: 502 (unreachable), no request completed there, nothing reached the upstream', `${u.init.body} ${tlsOp.hits.slice(tlsHits)}`);

  // Across everything every upstream received.
  const all = [viaIssuer, viaEndpoint, burst, cold, tlsUpstream].flatMap((u) => u.seen.map((s) => ({ ...s, url: u.url })));
  report.check(all.length > 40 && all.every((s) => s.ok && JSON.stringify(aud(s)) === JSON.stringify([s.url])),
    'every request every upstream received carried a valid token whose audience is that upstream', JSON.stringify(all.filter((s) => !s.ok).slice(0, 3)));
} catch (err) {
  report.check(false, 'no exception', `${err.stack}\n${gw?.log().slice(-3000) ?? ''}`);
} finally {
  await gw?.stop();
  await Promise.all([op.stop(), tlsOp.stop(), ...[viaIssuer, viaEndpoint, burst, cold, refused, tlsUpstream].map((u) => u.stop())]);
}
report.finish();

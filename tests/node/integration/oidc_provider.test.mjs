// Interop with an authorization server nobody here wrote: oidc-provider issues tokens through a
// real client_credentials grant with RFC 8707 resource indicators; the gateway finds its keys
// through the issuer's metadata (no jwks settings), and checks opaque tokens by RFC 7662
// introspection, including one revoked at the server (RFC 7009).
import { join } from 'node:path';
import { Report, root, startGateway } from './lib.mjs';
import { startOidcProvider } from './support/oidc_provider.mjs';
import { initialize, legacyRequest, modernRequest, probe, stopWithin, toolNames, wwwAuthenticate } from './support/mcp_client.mjs';

const everything = join(root, 'tests/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const report = new Report('oidc-provider');
const AGENT = { id: 'agent', secret: 'agent-secret-1' };
const GATEWAY = { id: 'mcpgate', secret: 'gateway-secret-1' };  // the gateway's own introspection credentials
const resources = new Map();
const op = await startOidcProvider({
  resources,
  clients: [
    { client_id: AGENT.id, client_secret: AGENT.secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'mcp:read mcp:write' },
    { client_id: GATEWAY.id, client_secret: GATEWAY.secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
  ],
});
const upstream = `upstreams:\n      - name: everything\n        stdio: { command: ["${process.execPath}", "${everything}", "stdio"] }`;
const introspection = `introspection: { endpoint: ${op.meta.introspection_endpoint}, client_id: ${GATEWAY.id}, client_secret: ${GATEWAY.secret}, issuer: ${op.issuer} }`;
let gw = null;
const stopAll = async () => { await stopWithin(gw); await op.stop(); };

let asHits = 0;
try {
  asHits = op.hits.length;  // the gateway fetches its keys at start-up
  gw = await startGateway(`servers:
  - name: jwt
    path: /jwt
    auth:
      required_scopes: [mcp:read]
      # No jwks_uri / jwks_file / jwks: the keys are found through the issuer's metadata.
      issuers: [{ issuer: ${op.issuer}, algorithms: [RS256, ES256, PS256] }]
    ${upstream}
  - name: opaque
    path: /opaque
    auth:
      required_scopes: [mcp:read]
      ${introspection}
      # Positive results are not cached, so a revocation is seen on the very next request.
      token_cache: { max_ttl_seconds: 0 }
    ${upstream}
  - name: cached
    path: /cached
    auth:
      required_scopes: [mcp:read]
      ${introspection}
      token_cache: { max_ttl_seconds: 2 }
    ${upstream}
`);
  const P = gw.port;
  const RES = (path) => `http://127.0.0.1:${P}${path}`;
  const OTHER = 'http://127.0.0.1:1/another-mcp-server';
  resources.set(RES('/jwt'), { format: 'jwt', alg: 'ES256' });
  resources.set(RES('/opaque'), { format: 'opaque' });
  resources.set(RES('/cached'), { format: 'opaque' });
  resources.set(OTHER, { format: 'jwt', alg: 'ES256' });

  // (a) A JWT access token for the gateway's resource, through a real grant.
  const jwt = await op.token(AGENT.id, AGENT.secret, { resource: RES('/jwt') });
  const [h, p] = jwt.split('.').slice(0, 2).map((s) => JSON.parse(Buffer.from(s, 'base64url').toString()));
  report.check(h.alg === 'ES256' && h.typ === 'at+jwt' && p.aud === RES('/jwt') && p.iss === op.issuer && p.scope === 'mcp:read',
    'oidc-provider issued an ES256 at+jwt with aud = the gateway resource', JSON.stringify({ h, p }));
  let r = await legacyRequest(P, '/jwt', jwt, 'tools/list');
  const names = toolNames(r.reply);
  report.check(r.init.status === 200 && r.reply?.status === 200 && names.includes('echo'),
    'JWT accepted: legacy tools/list reaches server-everything', `${r.init.status} ${r.reply?.status} ${r.init.body.slice(0, 200)}`);
  const discovery = op.hits.slice(asHits);
  report.check(discovery.some((x) => /^GET \/\.well-known\/(openid-configuration|oauth-authorization-server)/.test(x)) &&
    discovery.includes('GET /jwks'), 'keys were discovered through the issuer metadata, then its jwks_uri', discovery.join(' | '));
  r = await modernRequest(P, '/jwt', jwt, 'tools/list');
  report.check(r.status === 200 && toolNames(r).includes('echo'), 'JWT accepted: 2026-07-28 tools/list', `${r.status} ${r.body.slice(0, 200)}`);
  r = await modernRequest(P, '/jwt', jwt, 'tools/call', { name: 'echo', arguments: { message: 'hi-from-oidc' } }, undefined, 'echo');
  report.check(r.status === 200 && r.body.includes('hi-from-oidc'), 'JWT accepted: tools/call echo', `${r.status} ${r.body.slice(0, 200)}`);

  // (b) Opaque tokens by introspection. Without `resource` oidc-provider issues an opaque token
  // with no audience, and its introspection answer has no `aud`: the gateway requires aud to name
  // its resource (principal_from_introspection), so the client must ask for the gateway's
  // resource; oidc-provider then records aud on the opaque token and returns it on introspection.
  const opaque = await op.token(AGENT.id, AGENT.secret, { resource: RES('/opaque') });
  const intro = await op.introspect(GATEWAY.id, GATEWAY.secret, opaque);
  report.check(opaque.split('.').length === 1 && intro.json?.active === true && intro.json?.aud === RES('/opaque'),
    'oidc-provider issued an opaque token whose introspection names the gateway resource', intro.text);
  r = await legacyRequest(P, '/opaque', opaque, 'tools/list');
  report.check(r.reply?.status === 200 && toolNames(r.reply).includes('echo'), 'opaque token accepted via introspection: tools/list',
    `${r.init.status} ${wwwAuthenticate(r.init)} ${r.reply?.status}`);
  r = await modernRequest(P, '/opaque', opaque, 'tools/list');
  report.check(r.status === 200 && toolNames(r).includes('echo'), 'opaque token accepted via introspection: 2026-07-28 tools/list', String(r.status));
  const noAud = await op.token(AGENT.id, AGENT.secret, {});
  const noAudIntro = await op.introspect(GATEWAY.id, GATEWAY.secret, noAud);
  r = await initialize(P, '/opaque', noAud);
  report.check(noAudIntro.json?.active === true && noAudIntro.json?.aud === undefined && r.status === 401 && wwwAuthenticate(r).includes('error="invalid_token"'),
    'an active opaque token without aud (resource-less grant) → 401 invalid_token', `${noAudIntro.text} ${r.status} ${wwwAuthenticate(r)}`);

  // (c) Tokens oidc-provider issued for another resource.
  const otherJwt = await op.token(AGENT.id, AGENT.secret, { resource: OTHER });
  r = await initialize(P, '/jwt', otherJwt);
  report.check(r.status === 401 && wwwAuthenticate(r).includes('error="invalid_token"'), "a JWT for another resource → 401 invalid_token", `${r.status} ${wwwAuthenticate(r)}`);
  const opaqueForJwtEndpoint = await op.token(AGENT.id, AGENT.secret, { resource: RES('/cached') });
  r = await initialize(P, '/opaque', opaqueForJwtEndpoint);
  report.check(r.status === 401 && wwwAuthenticate(r).includes('error="invalid_token"'),
    "an opaque token for another of the gateway's resources → 401 invalid_token", `${r.status} ${wwwAuthenticate(r)}`);
  r = await initialize(P, '/opaque', jwt);
  report.check(r.status === 401 && wwwAuthenticate(r).includes('error="invalid_token"'),
    'the /jwt resource token at the introspection-only endpoint → 401 invalid_token', `${r.status} ${wwwAuthenticate(r)}`);
  r = await initialize(P, '/jwt', await op.token(AGENT.id, AGENT.secret, { resource: RES('/jwt'), scope: 'mcp:write' }));
  report.check(r.status === 403 && wwwAuthenticate(r).includes('insufficient_scope'), 'a token for us without mcp:read → 403 insufficient_scope', `${r.status} ${wwwAuthenticate(r)}`);

  // (d) Revocation at the authorization server.
  const doomed = await op.token(AGENT.id, AGENT.secret, { resource: RES('/opaque') });
  r = await probe(P, '/opaque', doomed);
  report.check(r.status === 404, 'the token is accepted before revocation', String(r.status));
  let rv = await op.revoke(AGENT.id, AGENT.secret, doomed);
  report.check(rv.status === 200 && (await op.introspect(GATEWAY.id, GATEWAY.secret, doomed)).json?.active === false,
    'oidc-provider revoked it (introspection says inactive)', String(rv.status));
  r = await probe(P, '/opaque', doomed);
  report.check(r.status === 401 && wwwAuthenticate(r).includes('error="invalid_token"'),
    'revoked token → 401 invalid_token on the next request (max_ttl_seconds: 0)', `${r.status} ${wwwAuthenticate(r)}`);

  // With a positive cache the revocation is seen when the entry's max_ttl runs out, not later.
  const cachedTok = await op.token(AGENT.id, AGENT.secret, { resource: RES('/cached') });
  const t0 = Date.now();  // the entry is stored after this, so it lives until t0 + 2 s at least
  r = await probe(P, '/cached', cachedTok);
  report.check(r.status === 404, 'cached endpoint: token accepted (and cached for at most 2 s)', String(r.status));
  rv = await op.revoke(AGENT.id, AGENT.secret, cachedTok);
  const before = await probe(P, '/cached', cachedTok);
  if (Date.now() - t0 < 1500)
    report.check(before.status === 404, 'cached endpoint: still accepted from the cache right after revocation', String(before.status));
  else console.log('# skipped the still-cached check: the machine is too slow to be inside the 2 s window');
  let refusedAt = null;
  const deadline = t0 + 2000 + 8000;
  while (Date.now() < deadline) {
    r = await probe(P, '/cached', cachedTok);
    if (r.status === 401) { refusedAt = Date.now(); break; }
    await new Promise((res) => setTimeout(res, 50));
  }
  report.check(refusedAt !== null && refusedAt - t0 >= 2000 && wwwAuthenticate(r).includes('error="invalid_token"'),
    'cached endpoint: revoked token refused once max_ttl_seconds (2 s) has passed, not before', refusedAt ? `${refusedAt - t0} ms` : 'never refused');
} catch (e) {
  report.check(false, 'test ran to the end', `${e.stack}\n${gw?.log() ?? ''}`);
} finally {
  await stopAll();
}
report.finish();

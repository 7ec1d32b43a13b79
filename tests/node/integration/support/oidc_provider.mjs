// An authorization server nobody here wrote: oidc-provider (panva) in process on a loopback port,
// with RFC 8707 resource indicators, client_credentials, introspection (RFC 7662) and revocation
// (RFC 7009). Each resource the test registers gets its own token format and audience.
import http from 'node:http';
import https from 'node:https';
import { generateKeyPairSync } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

// A request with the test's own trust anchors (fetch cannot be given a CA per call).
function request(url, { method = 'GET', headers = {}, body, ca } = {}) {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(u, { method, headers, ...(ca ? { ca } : {}) }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// resources: Map resource URL → { format: 'jwt' | 'opaque', alg?: 'ES256' | 'RS256', scope? }, read at
// token time so that the caller may add entries once it knows the gateway's port.
// tls: { key, cert, ca, host } serves https (its own TLS) with that certificate; the issuer is
// https://host:port (host defaults to localhost, which the certificate must name).
export async function startOidcProvider({ clients, resources, tls }) {
  let handler = (_req, res) => { res.statusCode = 503; res.end(); };
  const hits = [];  // every request path, in order, so a test can see who asked for what
  // Per POST /token, in order: the scheme of its Authorization header (null: none, so the client
  // authenticated in the body). oidc-provider accepts either method from any secret client.
  const tokenAuth = [];
  const serve = (req, res) => {
    hits.push(`${req.method} ${req.url}`);
    if (req.method === 'POST' && req.url === '/token') tokenAuth.push(req.headers.authorization?.split(' ')[0] ?? null);
    handler(req, res);
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, serve) : http.createServer(serve);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const issuer = tls ? `https://${tls.host ?? 'localhost'}:${server.address().port}` : `http://127.0.0.1:${server.address().port}`;
  const ca = tls?.ca;

  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [{ ...rsa, kid: 'rsa-1', alg: 'RS256', use: 'sig' }, { ...ec, kid: 'ec-1', alg: 'ES256', use: 'sig' }] },
    scopes: ['openid', 'mcp:read', 'mcp:write'],
    ttl: { ClientCredentials: 300, AccessToken: 300 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Any authenticated client may introspect (the gateway does, with its own credentials); a
      // client may revoke only its own tokens.
      introspection: { enabled: true, allowedPolicy: async (_ctx, client) => client.clientAuthMethod !== 'none' },
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => client.clientId === token.clientId },
      resourceIndicators: {
        enabled: true,
        // A request without `resource` gets no audience at all (not a default one): such a token
        // is only good at this server's userinfo endpoint, and the gateway must refuse it.
        defaultResource: async () => undefined,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          const r = resources.get(resource);
          if (!r) throw new errors.InvalidTarget();
          return {
            scope: r.scope ?? 'mcp:read mcp:write',
            audience: resource,
            accessTokenTTL: 300,
            accessTokenFormat: r.format,
            ...(r.format === 'jwt' ? { jwt: { sign: { alg: r.alg ?? 'ES256' } } } : {}),
          };
        },
      },
    },
  });
  // Silence the development-defaults warnings and the per-request error log.
  provider.on('server_error', () => {});
  handler = provider.callback();
  const meta = JSON.parse((await request(`${issuer}/.well-known/openid-configuration`, { ca })).text);

  const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  const post = async (url, id, secret, form) => {
    const res = await request(url, {
      method: 'POST',
      headers: { Authorization: basic(id, secret), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      ca,
    });
    let json = null;
    try { json = JSON.parse(res.text); } catch { /* not JSON */ }
    return { status: res.status, json, text: res.text };
  };
  return {
    issuer,
    meta,
    hits,
    tokenAuth,
    server,
    // A real client_credentials grant at the token endpoint.
    async token(id, secret, { scope = 'mcp:read', resource } = {}) {
      const form = { grant_type: 'client_credentials', scope };
      if (resource) form.resource = resource;
      const r = await post(meta.token_endpoint, id, secret, form);
      if (r.status !== 200 || !r.json?.access_token) throw new Error(`token endpoint: ${r.status} ${r.text}`);
      return r.json.access_token;
    },
    introspect: (id, secret, token) => post(meta.introspection_endpoint, id, secret, { token }),
    revoke: (id, secret, token) => post(meta.revocation_endpoint, id, secret, { token, token_type_hint: 'access_token' }),
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

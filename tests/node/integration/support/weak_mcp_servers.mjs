// Deliberately weak MCP servers for the `mcpgate audit` tests. Each records every JSON-RPC method
// it receives (and every HTTP request), so a test can prove the audit never sent `tools/call` or
// anything else outside its allow-list. They are minimal Streamable HTTP servers of both eras:
// 2025-11-25 (initialize → Mcp-Session-Id → tools/list) and 2026-07-28 (stateless tools/list with
// MCP-Protocol-Version), each weakness switched on by an option:
//   auth: false          → no authorization at all
//   prm: false           → no Protected Resource Metadata, no resource_metadata in the challenge
//   originCheck: false   → any Origin accepted (DNS rebinding)
//   acceptAlgNone: true  → an unsigned JWT (alg none) is accepted
//   checkAudience: false → a token for another resource is accepted
//   era: 'legacy'        → only initialize-based sessions (a stateless tools/list gets 400)
// and, to be strong where it counts: tls: { key, cert } serves https, hsts: true sends HSTS.
// Plus startSdkServer: the TypeScript SDK's requireBearerAuth with a verifier that checks the
// signature and issuer but not the audience (the SDK leaves that to the application).
import http from 'node:http';
import https from 'node:https';
import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

function recordMethods(body, methods) {
  try {
    const msg = JSON.parse(body);
    for (const m of Array.isArray(msg) ? msg : [msg]) if (m && typeof m.method === 'string') methods.push(m.method);
    return msg;
  } catch { return null; }
}

const b64json = (s) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));

// A JWT check of the kind found in hand-written servers: ES256 against the key set, exp, issuer,
// and the audience unless told not to; alg none only when told to accept it.
function tokenValid(token, o, base) {
  const parts = (token ?? '').split('.');
  if (parts.length !== 3) return false;
  let header, claims;
  try { header = b64json(parts[0]); claims = b64json(parts[1]); } catch { return false; }
  if (header.alg === 'none') return o.acceptAlgNone === true;
  if (header.alg !== 'ES256' || !o.jwks) return false;
  const jwk = JSON.parse(o.jwks).keys.find((k) => !header.kid || k.kid === header.kid);
  if (!jwk) return false;
  const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    Buffer.from(parts[2], 'base64url'));
  if (!ok) return false;
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return false;
  if (claims.iss !== base) return false;
  if (o.checkAudience !== false && claims.aud !== `${base}/mcp`) return false;
  return true;
}

export async function startWeakServer(options = {}) {
  const o = { auth: true, prm: true, originCheck: true, acceptAlgNone: false, checkAudience: true, era: 'both', ...options };
  const methods = [];
  const requests = [];
  const sessions = new Set();
  let base = '';
  const json = (res, status, body, headers = {}) => {
    if (o.hsts) headers = { 'strict-transport-security': 'max-age=31536000', ...headers };
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const handler = (req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      const path = new URL(req.url, base).pathname;
      if (req.method === 'GET') {
        if (o.auth && o.prm && path === '/.well-known/oauth-protected-resource/mcp')
          return json(res, 200, { resource: `${base}/mcp`, authorization_servers: [base], scopes_supported: ['mcp:read'], bearer_methods_supported: ['header'] });
        if (o.auth && path === '/.well-known/oauth-authorization-server')
          return json(res, 200, {
            issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, jwks_uri: `${base}/jwks`,
            response_types_supported: ['code'], code_challenge_methods_supported: ['S256'],
            client_id_metadata_document_supported: true, authorization_response_iss_parameter_supported: true,
          });
        if (o.auth && path === '/jwks' && o.jwks) return json(res, 200, JSON.parse(o.jwks));
        return json(res, 404, { error: 'not found' });
      }
      if (req.method !== 'POST' || path !== '/mcp') return json(res, 405, { error: 'method not allowed' });
      const msg = recordMethods(body, methods);
      if (o.originCheck && req.headers.origin && req.headers.origin !== base)
        return json(res, 403, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Origin not allowed' } });
      if (o.auth) {
        const auth = req.headers.authorization ?? '';
        const token = auth.startsWith('Bearer ') ? auth.slice(7) : null;
        if (!tokenValid(token, o, base)) {
          const params = [o.prm ? `resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"` : null, 'scope="mcp:read"'];
          if (token) params.unshift('error="invalid_token"');
          return json(res, 401, { error: 'unauthorized' }, { 'www-authenticate': `Bearer ${params.filter(Boolean).join(', ')}` });
        }
      }
      if (!msg || Array.isArray(msg)) return json(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
      if (msg.id === undefined) { res.writeHead(202); return res.end(); }
      const modern = req.headers['mcp-protocol-version'] === '2026-07-28';
      if (msg.method === 'initialize') {
        const sid = randomUUID();
        sessions.add(sid);
        return json(res, 200, { jsonrpc: '2.0', id: msg.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'weak', version: '0' } } }, { 'mcp-session-id': sid });
      }
      if (modern && o.era === 'legacy')
        return json(res, 400, { jsonrpc: '2.0', id: msg.id, error: { code: -32600, message: 'no session' } });
      if (!modern && !sessions.has(req.headers['mcp-session-id']))
        return json(res, 400, { jsonrpc: '2.0', id: msg.id, error: { code: -32600, message: 'no session' } });
      if (msg.method === 'tools/list')
        return json(res, 200, { jsonrpc: '2.0', id: msg.id, result: { tools: [{ name: 'delete_everything', inputSchema: { type: 'object' } }] } });
      // Anything else (tools/call among it) is recorded above and answered: the test asserts it never comes.
      return json(res, 200, { jsonrpc: '2.0', id: msg.id, result: {} });
    });
  };
  const server = o.tls ? https.createServer({ key: o.tls.key, cert: o.tls.cert }, handler) : http.createServer(handler);
  const port = await listen(server);
  base = `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return { url: `${base}/mcp`, base, methods, requests, stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }) };
}

// The TypeScript SDK's bearer middleware with a verifier that forgets the audience.
export async function startSdkServer({ jwks }) {
  const require = createRequire(new URL('../../package.json', import.meta.url));
  const load = (spec) => import(pathToFileURL(require.resolve(spec)).href);
  const { default: express } = await load('express');
  const { createLocalJWKSet, jwtVerify } = await load('jose');
  const { McpServer } = await load('@modelcontextprotocol/sdk/server/mcp.js');
  const { StreamableHTTPServerTransport } = await load('@modelcontextprotocol/sdk/server/streamableHttp.js');
  const { requireBearerAuth } = await load('@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js');
  const { mcpAuthMetadataRouter } = await load('@modelcontextprotocol/sdk/server/auth/router.js');
  const { InvalidTokenError } = await load('@modelcontextprotocol/sdk/server/auth/errors.js');
  const keys = createLocalJWKSet(JSON.parse(jwks));
  const methods = [];
  const app = express();
  const server = http.createServer(app);
  const port = await listen(server);
  const base = `http://127.0.0.1:${port}`;
  const verifier = {
    async verifyAccessToken(token) {
      let payload;
      // The weakness: no `audience` option, so a token issued for any resource of this issuer passes.
      try { ({ payload } = await jwtVerify(token, keys, { issuer: base, algorithms: ['ES256'] })); }
      catch (e) { throw new InvalidTokenError(e.code ?? 'invalid token'); }
      return { token, clientId: String(payload.client_id ?? payload.sub ?? ''), scopes: String(payload.scope ?? '').split(' '), expiresAt: payload.exp };
    },
  };
  app.use(express.json());
  app.use((req, _res, next) => { if (req.method === 'POST' && req.body) recordMethods(JSON.stringify(req.body), methods); next(); });
  app.get('/jwks', (_req, res) => res.json(JSON.parse(jwks)));
  app.use(mcpAuthMetadataRouter({
    oauthMetadata: {
      issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, jwks_uri: `${base}/jwks`,
      response_types_supported: ['code'], code_challenge_methods_supported: ['S256'],
    },
    resourceServerUrl: new URL(`${base}/mcp`),
    scopesSupported: ['mcp:read'],
  }));
  app.post('/mcp', requireBearerAuth({ verifier, resourceMetadataUrl: `${base}/.well-known/oauth-protected-resource/mcp` }), async (req, res) => {
    const mcp = new McpServer({ name: 'sdk-weak', version: '0.1.0' });
    mcp.registerTool('noop', { description: 'does nothing' }, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => { transport.close(); mcp.close(); });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  return { url: `${base}/mcp`, base, methods, stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }) };
}

// A deliberately misbehaving MCP server and authorization server in one process, for the tests of
// the mcpgate client (client_hostile.test.mjs). The MCP endpoint is /mcp; it answers 401 with a
// challenge naming its Protected Resource Metadata; the authorization server is the same origin.
// Each mode breaks one thing a client must check, and every request is recorded (method, path,
// Authorization header) so that a test can show where tokens went and what was never asked.
//
// Modes:
//   issuer-mismatch        AS metadata whose issuer is not the one its URL was built from (RFC 8414 §3.3)
//   http-authorize         authorization_endpoint over plain http on a non-loopback host
//   no-pkce                no code_challenge_methods_supported (MCP authorization: MUST refuse)
//   plain-pkce-only        code_challenge_methods_supported: ["plain"]
//   prm-redirect           the resource metadata URLs answer 302 to a foreign origin (RFC 9728 §3.3)
//   metadata-redirect      the AS metadata URLs answer 302 to a foreign origin
//   prm-other-resource     resource metadata naming another resource (RFC 9728 §3.3)
//   wrong-iss              the authorization response carries another issuer's iss (RFC 9207 mix-up)
//   token-crlf             the token response's access_token holds CR LF and a header
//   endless-body           the resource metadata body never ends
//   stalled-metadata       the AS metadata answer never comes
//   drip-metadata          the AS metadata answer comes one byte at a time, forever (a deadline per
//                          read would never fire)
//   token-loop             every token is refused with 401 (a client must not sign in again and again)
//   scope-loop             every token is refused with 403 insufficient_scope (step-up must be bounded)
//   wrong-state            the authorization response carries another state (RFC 6749 §10.12, CSRF)
//   prm-http-as            resource metadata naming a plain-http authorization server off loopback
//   honest                 behaves (the other half of a two-server test)
//   mcp-redirect           the MCP endpoint answers a request carrying its token with 307 to a foreign origin
// The "foreign origin" of the redirects is a second local server (another port: another origin)
// that records what reaches it, so a test can show that nothing did; the plain-http authorization
// endpoint must be off loopback, so that one names a host that does not exist.
import { createServer } from 'node:http';

export const NOWHERE = 'http://evil.example';

async function listen(handler, bound = () => {}) {
  const server = createServer(handler);
  const open = new Set();
  server.on('connection', (s) => { open.add(s); s.on('close', () => open.delete(s)); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  bound(`http://127.0.0.1:${server.address().port}`);
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((r) => { for (const s of open) s.destroy(); server.close(r); }),
  };
}

// `authorizationServer`: the issuer its resource metadata names (default: itself), e.g. another
// instance's origin, for a server that borrows an authorization server the client already uses.
export async function startHostileServer(mode, { authorizationServer } = {}) {
  const foreignRequests = [];
  const foreign = await listen((req, res) => {
    foreignRequests.push({ method: req.method, path: req.url, authorization: req.headers.authorization });
    res.writeHead(404);
    res.end();
  });
  const FOREIGN = foreign.origin;
  const requests = [];
  let origin;
  let lastScope;
  const issued = [];
  const prmPath = '/.well-known/oauth-protected-resource/mcp';
  const json = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const metadata = () => {
    const md = {
      issuer: mode === 'issuer-mismatch' ? `${origin}/someone-else` : origin,
      authorization_endpoint: mode === 'http-authorize' ? `${NOWHERE}/authorize` : `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      token_endpoint_auth_methods_supported: ['none'],
      code_challenge_methods_supported: mode === 'plain-pkce-only' ? ['plain'] : ['S256'],
      authorization_response_iss_parameter_supported: true,
    };
    if (mode === 'no-pkce') delete md.code_challenge_methods_supported;
    return md;
  };

  const server = await listen((req, res) => {
    const url = new URL(req.url, origin);
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      requests.push({ method: req.method, path: url.pathname, authorization: req.headers.authorization, body });
      const path = url.pathname;
      if (path === '/mcp') {
        // Only a token this server issued would be accepted, and in token-loop mode not even that.
        const bearer = req.headers.authorization?.replace(/^Bearer /, '');
        if (mode === 'mcp-redirect' && bearer && issued.includes(bearer)) {
          // 307 keeps the method and body: a client that follows it would hand its request, and
          // with a careless HTTP library its Authorization header, to another origin.
          res.writeHead(307, { location: `${FOREIGN}/mcp` });
          return res.end();
        }
        if (mode === 'scope-loop' && bearer && issued.includes(bearer)) {
          res.writeHead(403, { 'www-authenticate': `Bearer error="insufficient_scope", scope="mcp:admin-${issued.length}", resource_metadata="${origin}${prmPath}"` });
          return res.end();
        }
        if (mode !== 'token-loop' && bearer && issued.includes(bearer))
          return json(res, 200, { jsonrpc: '2.0', id: JSON.parse(body).id ?? null, result: { tools: [] } });
        res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${origin}${prmPath}", scope="mcp:read"` });
        return res.end();
      }
      if (path.startsWith('/.well-known/oauth-protected-resource')) {
        if (mode === 'prm-redirect') {
          res.writeHead(302, { location: `${FOREIGN}${path}` });
          return res.end();
        }
        if (mode === 'endless-body') {
          res.writeHead(200, { 'content-type': 'application/json' });
          const chunk = Buffer.alloc(64 * 1024, ' ');
          res.write('{"resource":"');
          const pump = () => { while (!res.destroyed && res.write(chunk)); };
          res.on('error', () => {});  // the client hangs up at its limit
          res.on('drain', pump);
          pump();
          return;
        }
        return json(res, 200, {
          resource: mode === 'prm-other-resource' ? 'https://other.example/mcp' : `${origin}/mcp`,
          authorization_servers: [mode === 'prm-http-as' ? NOWHERE : authorizationServer ?? origin],
          scopes_supported: ['mcp:read'],
        });
      }
      if (path.startsWith('/.well-known/oauth-authorization-server') || path.startsWith('/.well-known/openid-configuration')) {
        if (mode === 'metadata-redirect') {
          res.writeHead(302, { location: `${FOREIGN}/.well-known/oauth-authorization-server` });
          return res.end();
        }
        if (mode === 'stalled-metadata') return;  // never answered: only the client's deadline ends it
        if (mode === 'drip-metadata') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{');
          const t = setInterval(() => res.write(' '), 100);
          res.on('close', () => clearInterval(t));
          return;
        }
        return json(res, 200, metadata());
      }
      if (path === '/authorize') {
        lastScope = url.searchParams.get('scope');
        // No login page: straight back to the client, as a browser would be after consent.
        const back = new URL(url.searchParams.get('redirect_uri'));
        back.searchParams.set('code', 'code-from-the-hostile-server');
        back.searchParams.set('state', mode === 'wrong-state' ? 'a-state-this-client-never-sent' : url.searchParams.get('state') ?? '');
        back.searchParams.set('iss', mode === 'wrong-iss' ? FOREIGN : origin);
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      if (path === '/token') {
        const token = mode === 'token-crlf' ? 'abc\r\nX-Injected: yes' : `token-${issued.length + 1}`;
        issued.push(token);
        // The scope granted is the scope asked for (sent back as is).
        const scope = new URLSearchParams(body).get('scope') ?? lastScope;
        return json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600, ...(scope ? { scope } : {}) });
      }
      res.writeHead(404);
      res.end();
    });
  }, (o) => { origin = o; });
  return {
    origin,
    foreign: FOREIGN,
    url: `${origin}/mcp`,
    requests,
    foreignRequests,
    issued,
    stop: async () => { await server.stop(); await foreign.stop(); },
  };
}

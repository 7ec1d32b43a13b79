// A downstream MCP server (Streamable HTTP, 2025-11-25, JSON answers) that accepts only access
// tokens minted for it: it verifies each request's bearer token (a JWS signed with an allowed
// algorithm — ES256 unless told otherwise — by a key from the issuer's jwks_uri, `typ` at+jwt
// unless told otherwise, `iss`, `aud` equal to its own URL, `exp`) and records every
// Authorization it receives with the claims it found, valid or not. Its tools check the token's
// scopes the way a CRM API would: crm_read needs crm.read, crm_update needs crm.write.
//
// Options: algorithms (ES256 and/or RS256), typ (the header's `typ`, or null to accept any: an
// authorization server that does not follow RFC 9068), ca (PEM trusted to fetch the issuer's
// metadata and keys over https). The jwks_uri comes from the issuer's RFC 8414 metadata, or from
// its OpenID Connect discovery document when it has none.
//
// Controls (POST, no token): /control/reject-next answers the next request 401 whatever its
// token (a token the server's own authorization server revoked); /control/reject-all and
// /control/accept toggle answering every request 401.
import http from 'node:http';
import https from 'node:https';
import { createPublicKey, verify } from 'node:crypto';

const b64json = (s) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));

// GET a JSON document, trusting `ca` for https (fetch cannot be given a CA per call).
function getJson(url, ca) {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    mod.get(u, { headers: { Accept: 'application/json' }, ...(ca ? { ca } : {}) }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(null);
        try { resolve(JSON.parse(text)); } catch { resolve(null); }
      });
    }).on('error', reject);
  });
}

// Which key type each accepted algorithm needs: a key is used only with its own algorithm, so
// that an RSA key cannot be made to check an HMAC or EC signature (algorithm confusion).
const ALGORITHMS = {
  ES256: { kty: 'EC', crv: 'P-256', dsaEncoding: 'ieee-p1363' },
  RS256: { kty: 'RSA' },
};

export async function startTokenCheckingUpstream({ algorithms = ['ES256'], typ = 'at+jwt', ca } = {}) {
  for (const a of algorithms) if (!ALGORITHMS[a]) throw new Error(`unsupported algorithm ${a}`);
  let issuer = '';  // set once the authorization server's address is known (trust())
  const seen = [];
  let keys = null;
  let rejectNext = false;
  let rejectAll = false;
  let url = '';
  const jwks = async () => {
    const md = await getJson(`${issuer}/.well-known/oauth-authorization-server`, ca) ??
      await getJson(`${issuer}/.well-known/openid-configuration`, ca);
    keys = md?.jwks_uri ? (await getJson(md.jwks_uri, ca))?.keys ?? [] : [];
  };
  const check = async (authorization) => {
    const m = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? '');
    if (!m) return { ok: false, why: 'no bearer token' };
    const token = m[1];
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, token, why: 'not a JWS' };
    let header; let claims;
    try { header = b64json(parts[0]); claims = b64json(parts[1]); } catch { return { ok: false, token, why: 'bad encoding' }; }
    if (!algorithms.includes(header.alg) || (typ !== null && header.typ !== typ)) return { ok: false, token, claims, why: 'alg or typ' };
    if (!keys || !keys.some((k) => k.kid === header.kid)) await jwks();
    const jwk = keys.find((k) => k.kid === header.kid);
    if (!jwk) return { ok: false, token, claims, why: 'unknown kid' };
    const want = ALGORITHMS[header.alg];
    if (jwk.kty !== want.kty || (want.crv && jwk.crv !== want.crv) || (jwk.alg && jwk.alg !== header.alg))
      return { ok: false, token, claims, why: 'key does not match alg' };
    let good = false;
    try {
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      good = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), want.dsaEncoding ? { key, dsaEncoding: want.dsaEncoding } : key,
        Buffer.from(parts[2], 'base64url'));
    } catch { good = false; }
    if (!good) return { ok: false, token, claims, why: 'signature' };
    if (claims.iss !== issuer) return { ok: false, token, claims, why: 'iss' };
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(url)) return { ok: false, token, claims, why: 'aud' };
    if (!(claims.exp > Date.now() / 1000)) return { ok: false, token, claims, why: 'expired' };
    return { ok: true, token, claims, alg: header.alg };
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', async () => {
      if (req.url.startsWith('/control/')) {
        if (req.url === '/control/reject-next') rejectNext = true;
        if (req.url === '/control/reject-all') rejectAll = true;
        if (req.url === '/control/accept') rejectAll = false;
        res.writeHead(204).end();
        return;
      }
      let msg = null;
      try { msg = JSON.parse(body); } catch { /* not JSON */ }
      const c = await check(req.headers.authorization);
      const scopes = (c.claims?.scope ?? '').split(' ').filter(Boolean);
      const forced = c.ok && (rejectAll || rejectNext);
      if (forced && !rejectAll) rejectNext = false;
      seen.push({ method: msg?.method, tool: msg?.params?.name, requestId: req.headers['x-request-id'], ok: c.ok && !forced, alg: c.alg,
        why: forced ? 'rejected by control' : c.why, token: c.token, claims: c.claims, scopes });
      if (!c.ok || forced) {
        res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"', 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'invalid_token' }));
        return;
      }
      if (req.method === 'DELETE' || req.method === 'GET') { res.writeHead(405).end(); return; }
      if (!msg || msg.id === undefined) { res.writeHead(202).end(); return; }
      const reply = (result) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Mcp-Session-Id': 'downstream-session' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, ...result }));
      };
      const text = (t, isError = false) => ({ result: { content: [{ type: 'text', text: t }], isError } });
      switch (msg.method) {
        case 'initialize':
          return reply({ result: { protocolVersion: msg.params?.protocolVersion ?? '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'crm-api', version: '1' } } });
        case 'tools/list':
          return reply({ result: { tools: [
            { name: 'crm_read', description: 'Reads a customer', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } },
            { name: 'crm_update', description: 'Updates a customer', inputSchema: { type: 'object' } }] } });
        case 'tools/call': {
          const need = msg.params?.name === 'crm_update' ? 'crm.write' : 'crm.read';
          if (!scopes.includes(need)) return reply(text(`forbidden: ${need} missing`, true));
          return reply(text(`ok:${msg.params?.name}:${c.claims.sub}`));
        }
        default:
          return reply({ error: { code: -32601, message: 'Method not found' } });
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${server.address().port}/mcp`;
  const base = url.replace(/\/mcp$/, '');
  return {
    url,
    seen,
    control: (what) => fetch(`${base}/control/${what}`, { method: 'POST' }),
    trust: (iss) => { issuer = iss; },
    stop: () => new Promise((r) => server.close(r)),
  };
}

// A downstream MCP server (Streamable HTTP, 2025-11-25, JSON answers) that accepts only access
// tokens minted for it: it verifies each request's bearer token (ES256 JWS, keys from the issuer's
// jwks_uri, `typ` at+jwt, `iss`, `aud` equal to its own URL, `exp`) and records every Authorization
// it receives with the claims it found, valid or not. Its tools check the token's scopes the way a
// CRM API would: crm_read needs crm.read, crm_update needs crm.write.
//
// Controls (POST, no token): /control/reject-next answers the next request 401 whatever its
// token (a token the server's own authorization server revoked); /control/reject-all and
// /control/accept toggle answering every request 401.
import http from 'node:http';
import { createPublicKey, verify } from 'node:crypto';

const b64json = (s) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));

export async function startTokenCheckingUpstream() {
  let issuer = '';  // set once the authorization server's address is known (trust())
  const seen = [];
  let keys = null;
  let rejectNext = false;
  let rejectAll = false;
  let url = '';
  const jwks = async () => {
    const md = await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json();
    keys = (await (await fetch(md.jwks_uri)).json()).keys;
  };
  const check = async (authorization) => {
    const m = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? '');
    if (!m) return { ok: false, why: 'no bearer token' };
    const token = m[1];
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, token, why: 'not a JWS' };
    let header; let claims;
    try { header = b64json(parts[0]); claims = b64json(parts[1]); } catch { return { ok: false, token, why: 'bad encoding' }; }
    if (header.alg !== 'ES256' || header.typ !== 'at+jwt') return { ok: false, token, claims, why: 'alg or typ' };
    if (!keys || !keys.some((k) => k.kid === header.kid)) await jwks();
    const jwk = keys.find((k) => k.kid === header.kid);
    if (!jwk) return { ok: false, token, claims, why: 'unknown kid' };
    const good = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
      Buffer.from(parts[2], 'base64url'));
    if (!good) return { ok: false, token, claims, why: 'signature' };
    if (claims.iss !== issuer) return { ok: false, token, claims, why: 'iss' };
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(url)) return { ok: false, token, claims, why: 'aud' };
    if (!(claims.exp > Date.now() / 1000)) return { ok: false, token, claims, why: 'expired' };
    return { ok: true, token, claims };
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
      seen.push({ method: msg?.method, tool: msg?.params?.name, requestId: req.headers['x-request-id'], ok: c.ok && !forced,
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

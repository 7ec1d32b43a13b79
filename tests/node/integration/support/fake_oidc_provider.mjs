// A test-controlled OpenID Connect provider for the failure cases of federation: it answers the
// authorization request at once (no pages) and its token endpoint returns whatever ID token the
// test asks for next — well signed, forged, expired, for another nonce — or an error, or nothing.
// Everything it received is kept so a test can see what mcpgate sent (PKCE, client auth, resource).
import { createServer } from 'node:http';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

function es256(key, header, claims) {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

export async function startFakeOidcProvider({ clientId, clientSecret }) {
  const good = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...good.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' };
  const state = {
    mode: 'good',        // what the next authorization / token request gets (see token())
    claims: {},          // extra ID token claims
    authorizations: [],  // query of every authorization request
    tokenRequests: [],   // { headers, form } of every token request
    codes: new Map(),    // code → the authorization request it was issued for
    // Refresh tokens (issued when offline_access is asked for): token → sub. A refresh rotates
    // the token; a disabled sub's token is refused with invalid_grant, as a provider does for an
    // account that was disabled or deleted.
    refreshTokens: new Map(),
    disabled: new Set(),
  };
  let issued = 0;
  const newRefreshToken = (sub) => { const t = `provider-rt-${++issued}-${sub}`; state.refreshTokens.set(t, sub); return t; };
  const server = createServer((req, res) => {
    const url = new URL(req.url, issuer);
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const json = (status, o) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(o)); };
      if (url.pathname === '/.well-known/openid-configuration') {
        if (state.mode === 'down') { res.destroy(); return; }
        return json(200, { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`, end_session_endpoint: `${issuer}/logout`, response_types_supported: ['code'], code_challenge_methods_supported: ['S256'],
          id_token_signing_alg_values_supported: ['ES256'], subject_types_supported: ['public'] });
      }
      if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
      if (url.pathname === '/authorize') {
        const q = Object.fromEntries(url.searchParams);
        state.authorizations.push(q);
        // A provider that does not know RFC 8707 refuses the parameter (enterprise IdPs do).
        const back = new URL(q.redirect_uri);
        if ('resource' in q) { back.searchParams.set('error', 'invalid_target'); }
        else if (state.mode === 'deny') { back.searchParams.set('error', 'access_denied'); }
        else {
          const code = `code-${state.codes.size + 1}`;
          state.codes.set(code, q);
          back.searchParams.set('code', code);
        }
        back.searchParams.set('state', q.state);
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        const form = Object.fromEntries(new URLSearchParams(body));
        state.tokenRequests.push({ headers: req.headers, form });
        if (state.mode === 'token-down') { res.destroy(); return; }
        if (state.mode === 'token-error') return json(400, { error: 'invalid_grant', error_description: '<script>x</script>' });
        const auth = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
        if (req.headers.authorization !== auth) return json(401, { error: 'invalid_client' });
        if (state.mode === 'token-503') return json(503, { error: 'temporarily_unavailable' });
        if (form.grant_type === 'refresh_token') {
          const sub = state.refreshTokens.get(form.refresh_token);
          if (!sub || state.disabled.has(sub)) return json(400, { error: 'invalid_grant' });
          state.refreshTokens.delete(form.refresh_token);
          return json(200, { access_token: 'provider-access-token', token_type: 'Bearer', expires_in: 300, refresh_token: newRefreshToken(sub) });
        }
        const a = state.codes.get(form.code);
        if (!a) return json(400, { error: 'invalid_grant' });
        const pkceOk = createHash('sha256').update(form.code_verifier ?? '').digest('base64url') === a.code_challenge;
        if (!pkceOk) return json(400, { error: 'invalid_grant', error_description: 'PKCE' });
        if ('resource' in form) return json(400, { error: 'invalid_target' });
        const now = Math.floor(Date.now() / 1000);
        let claims = { iss: issuer, sub: 'user-1', aud: clientId, iat: now, exp: now + 300, nonce: a.nonce, ...state.claims };
        let key = good.privateKey;
        if (state.mode === 'forged') key = forger.privateKey;
        if (state.mode === 'expired') claims = { ...claims, iat: now - 3600, exp: now - 1800 };
        if (state.mode === 'wrong-nonce') claims = { ...claims, nonce: 'not-the-nonce-mcpgate-sent' };
        if (state.mode === 'wrong-aud') claims = { ...claims, aud: 'another-client' };
        const idToken = es256(key, { alg: 'ES256', kid: 'k1', typ: 'JWT' }, claims);
        const offline = (a.scope ?? '').split(' ').includes('offline_access');
        return json(200, { access_token: 'provider-access-token', token_type: 'Bearer', expires_in: 300, id_token: idToken,
          ...(offline ? { refresh_token: newRefreshToken(claims.sub) } : {}) });
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  return { issuer, state, stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }) };
}

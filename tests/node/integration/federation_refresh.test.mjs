// Federation with recheck_on_refresh: mcpgate keeps the provider's refresh token (sealed with
// AES-256-GCM under token_encryption_key) and redeems it at every refresh of its own tokens, so a
// user disabled at the provider is refused at the next refresh and loses the grant; a provider
// that cannot be reached gets nothing issued (503) but costs the user nothing.
// The provider is the test-controlled one (support/fake_oidc_provider.mjs): it issues a refresh
// token when offline_access is asked for, rotates it at each refresh, and answers invalid_grant
// for a disabled account. Then sign-out at mcpgate's /logout: every grant of the user is revoked
// and the browser is sent to the provider's end_session_endpoint (RP-Initiated Logout 1.0).
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, pkce, scrape } from './authserver_helpers.mjs';
import { Report, root, startGateway, tempDir } from './lib.mjs';
import { startFakeOidcProvider } from './support/fake_oidc_provider.mjs';

const report = new Report('federation_refresh');
const dir = tempDir();
const crm = join(root, 'build/release/examples/crm/crm_server');
const secretFile = join(dir, 'idp-secret');
writeFileSync(secretFile, 'mcpgate-secret-at-the-idp\n');
const keyFile = join(dir, 'token-key');
writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`);
const auditFile = join(dir, 'audit.jsonl');
const audit = () => {
  try { return readFileSync(auditFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)); } catch { return []; }
};
const dbDir = join(dir, 'db');

const fake = await startFakeOidcProvider({ clientId: 'mcpgate', clientSecret: 'mcpgate-secret-at-the-idp' });
let gw;
try {
  gw = await startGateway(`audit_log: ${auditFile}
authorization_server:
  storage: sqlite:${join(dbDir, 'as.db')}
  token_encryption_key_file: ${keyFile}
  upstream_idp:
    issuer: ${fake.issuer}
    client_id: mcpgate
    client_secret_file: ${secretFile}
    recheck_on_refresh: true
    post_logout_redirect_uri: http://127.0.0.1:9/signed-out
servers:
  - name: crm
    path: /mcp
    auth:
      scopes_supported: [mcp:read]
      required_scopes: [mcp:read]
    policy:
      rules:
        - { tools: ["get_*"], scopes: [mcp:read] }
    upstreams:
      - name: crm
        stdio: { command: ["${crm}", "--stdio"] }
`);
  const base = `http://127.0.0.1:${gw.port}`;
  const redirectUri = 'http://127.0.0.1:9/callback';
  const reg = await (await fetch(`${base}/register`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'recheck', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }) })).json();
  const token = async (fields) => {
    const r = await fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: reg.client_id, ...fields }).toString() });
    return { status: r.status, body: await r.json().catch(() => ({})) };
  };
  const refresh = (rt) => token({ grant_type: 'refresh_token', refresh_token: rt });
  // What the gateway answers an MCP request with this access token (200 or 401).
  const mcp = async (at) => (await fetch(gw.url, { method: 'POST', headers: { authorization: `Bearer ${at}`,
    'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {},
      clientInfo: { name: 't', version: '1' } } }) })).status;

  // Sign in through the provider and consent: mcpgate's tokens.
  const signIn = async (agent) => {
    const { challenge, verifier } = pkce();
    const u = new URL(`${base}/authorize`);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: reg.client_id, redirect_uri: redirectUri, state: 's',
      code_challenge: challenge, code_challenge_method: 'S256', resource: `${base}/mcp`, scope: 'mcp:read' })) u.searchParams.set(k, v);
    // Through the provider (a browser already signed in here with consent skips it) to the consent page.
    let r = await agent.get(u.toString());
    while (r.status === 302 && !r.location.startsWith(redirectUri)) r = await agent.get(r.location);
    if (r.status === 200)
      r = await agent.postForm(`${base}/authorize/consent`, { request_id: scrape(r.body, 'request_id'),
        csrf_token: scrape(r.body, 'csrf_token'), decision: 'approve' });
    const code = new URL(r.location ?? 'http://x/').searchParams.get('code');
    return token({ grant_type: 'authorization_code', code: code ?? '', code_verifier: verifier, redirect_uri: redirectUri,
      resource: `${base}/mcp` });
  };
  const first = await signIn(new Agent());
  report.check(first.status === 200 && first.body.refresh_token, 'sign-in through the provider gives mcpgate tokens with a refresh token', JSON.stringify(first));
  report.check(fake.state.authorizations.at(-1)?.scope?.split(' ').includes('offline_access'),
    'with recheck_on_refresh the provider is asked for offline_access (OIDC Core §11)', fake.state.authorizations.at(-1)?.scope);
  const stored = readdirSync(dbDir).map((f) => readFileSync(join(dbDir, f)).toString('latin1')).join('');
  report.check(fake.state.refreshTokens.size === 1 && !stored.includes('provider-rt-'),
    "the provider's refresh token is kept only sealed: not in clear in the database files");

  // Refresh: the provider is asked, rotates its token, and mcpgate keeps the new one.
  const r1 = await refresh(first.body.refresh_token);
  const asked = fake.state.tokenRequests.at(-1)?.form;
  report.check(r1.status === 200 && asked?.grant_type === 'refresh_token' && asked.refresh_token === 'provider-rt-1-user-1',
    'a refresh redeems the provider refresh token at its token endpoint, then issues', `${r1.status} ${JSON.stringify(asked)}`);
  const r2 = await refresh(r1.body.refresh_token);
  report.check(r2.status === 200 && fake.state.tokenRequests.at(-1)?.form.refresh_token === 'provider-rt-2-user-1',
    "the provider's rotated refresh token is stored and used next", `${r2.status}`);

  // The provider unreachable, or failing: fail closed (nothing issued), and the presented
  // refresh token stays valid for a retry.
  for (const mode of ['token-down', 'token-503']) {
    fake.state.mode = mode;
    const down = await refresh(r2.body.refresh_token);
    report.check(down.status === 503 && down.body.error === 'temporarily_unavailable' && !down.body.access_token,
      `provider ${mode}: 503 temporarily_unavailable, nothing issued`, `${down.status} ${JSON.stringify(down.body)}`);
  }
  fake.state.mode = 'good';
  const r3 = await refresh(r2.body.refresh_token);
  report.check(r3.status === 200, 'after the outage the same refresh token still works', `${r3.status} ${JSON.stringify(r3.body)}`);
  report.check((await mcp(r3.body.access_token)) === 200, 'its access token is accepted by the gateway');

  // The user is disabled at the provider: refused at the next refresh, and the grant is gone.
  fake.state.disabled.add('user-1');
  const refused = await refresh(r3.body.refresh_token);
  report.check(refused.status === 400 && refused.body.error === 'invalid_grant' && !refused.body.access_token,
    'a user disabled at the provider is refused at the next refresh: 400 invalid_grant', `${refused.status} ${JSON.stringify(refused.body)}`);
  const a = audit().filter((e) => e.method === 'sign_in').at(-1) ?? {};
  report.check(a.decision === 'deny' && a.reason === 'provider_refused_refresh' && a.subject === `${fake.issuer}#user-1`,
    'the refusal is audited (provider_refused_refresh)', JSON.stringify(a));
  report.check((await mcp(r3.body.access_token)) === 401, "the grant's last access token is refused by the gateway (the family is revoked)");
  fake.state.disabled.delete('user-1');
  const dead = await refresh(r3.body.refresh_token);
  report.check(dead.status === 400 && dead.body.error === 'invalid_grant',
    'the refresh token family stays dead even once the provider would accept the user again', `${dead.status}`);

  // Sign-out: a confirmation page, then a POST with its CSRF token.
  const browser = new Agent();
  const mine = await signIn(browser);
  const other = await signIn(browser);  // a second application's grant, same user
  report.check(mine.status === 200 && other.status === 200 && (await mcp(mine.body.access_token)) === 200, 'signed in again (two grants)');
  const confirm = await browser.get(`${base}/logout`);
  const csrf = scrape(confirm.body, 'csrf_token');
  report.check(confirm.status === 200 && csrf && confirm.body.includes(`${fake.issuer}#user-1`),
    'GET /logout shows a confirmation form for the signed-in user', `${confirm.status}`);
  const forged = await browser.postForm(`${base}/logout`, { csrf_token: 'not-the-token' });
  report.check(forged.status === 403 && (await refresh(mine.body.refresh_token)).status === 200,
    'a sign-out POST without the session\'s CSRF token is refused and revokes nothing (logout CSRF)', `${forged.status}`);
  const stranger = await new Agent().postForm(`${base}/logout`, { csrf_token: csrf });
  report.check(stranger.status === 400, 'a sign-out POST without the session cookie is refused', `${stranger.status}`);
  const out = await browser.postForm(`${base}/logout`, { csrf_token: csrf });
  const to = new URL(out.location ?? 'http://x/');
  report.check(out.status === 303 && `${to.origin}${to.pathname}` === `${fake.issuer}/logout` && to.searchParams.get('client_id') === 'mcpgate' &&
    to.searchParams.get('id_token_hint')?.split('.').length === 3 && to.searchParams.get('post_logout_redirect_uri') === 'http://127.0.0.1:9/signed-out',
    "sign-out sends the browser to the provider's end_session_endpoint with id_token_hint and post_logout_redirect_uri", `${out.status} ${out.location}`);
  report.check(/Max-Age=0/.test(out.headers.get('set-cookie') ?? ''), 'the session cookie is cleared');
  const afterRefresh = await refresh(other.body.refresh_token);
  report.check(afterRefresh.status === 400 && afterRefresh.body.error === 'invalid_grant',
    "after sign-out the user's refresh tokens are refused (every grant)", `${afterRefresh.status}`);
  report.check((await mcp(other.body.access_token)) === 401, "after sign-out the user's access token is refused by the gateway");
  const again = await browser.get(`${base}/logout`);
  report.check(again.status === 200 && !scrape(again.body, 'csrf_token'), 'the browser session has ended', `${again.status}`);
  const signedOut = audit().filter((e) => e.method === 'sign_in').at(-1) ?? {};
  report.check(signedOut.reason === 'signed_out' && signedOut.subject === `${fake.issuer}#user-1`, 'the sign-out is audited', JSON.stringify(signedOut));
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw?.stop();
  await fake.stop();
}
report.finish();

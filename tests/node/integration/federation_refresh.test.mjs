// Federation with recheck_on_refresh: mcpgate keeps the provider's refresh token (sealed with
// AES-256-GCM under token_encryption_key) and redeems it at every refresh of its own tokens, so a
// user disabled at the provider is refused at the next refresh and loses the grant; a provider
// that cannot be reached gets nothing issued (503) but costs the user nothing.
// The provider is the test-controlled one (support/fake_oidc_provider.mjs): it issues a refresh
// token when offline_access is asked for, rotates it at each refresh, and answers invalid_grant
// for a disabled account.
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
  const agent = new Agent();
  const { challenge, verifier } = pkce();
  const u = new URL(`${base}/authorize`);
  for (const [k, v] of Object.entries({ response_type: 'code', client_id: reg.client_id, redirect_uri: redirectUri, state: 's',
    code_challenge: challenge, code_challenge_method: 'S256', resource: `${base}/mcp`, scope: 'mcp:read' })) u.searchParams.set(k, v);
  const toIdp = await agent.get(u.toString());
  const back = await agent.get(toIdp.location);
  const consent = await agent.get(back.location);
  const approved = await agent.postForm(`${base}/authorize/consent`, { request_id: scrape(consent.body, 'request_id'),
    csrf_token: scrape(consent.body, 'csrf_token'), decision: 'approve' });
  const code = new URL(approved.location ?? 'http://x/').searchParams.get('code');
  const first = await token({ grant_type: 'authorization_code', code: code ?? '', code_verifier: verifier, redirect_uri: redirectUri,
    resource: `${base}/mcp` });
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
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw?.stop();
  await fake.stop();
}
report.finish();

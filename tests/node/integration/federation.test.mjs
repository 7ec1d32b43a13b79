// Federation: mcpgate's embedded authorization server signs people in at the company's OpenID
// Connect provider, while MCP clients register and get tokens from mcpgate exactly as the MCP
// specification says (DCR, PKCE, RFC 8707 resource = the MCP endpoint).
//
// 1. oidc-provider (npm) as the company provider: no dynamic registration, one static client for
//    mcpgate, resource indicators off and `resource` refused; its login and consent pages driven
//    by headless Chromium. The TypeScript SDK registers with mcpgate by DCR (and, for a second
//    user, by a Client ID Metadata Document); the browser signs in
//    at the provider and consents at mcpgate; a `groups` claim from the provider drives a policy
//    rule (update_* for crm-editors only). With recheck_on_refresh (a second gateway), mcpgate
//    keeps oidc-provider's refresh token and redeems it at each refresh: an account the provider
//    no longer finds (disabled) is refused at mcpgate's next refresh (400 invalid_grant).
// 2. A test-controlled provider (support/fake_oidc_provider.mjs) for the failures: a forged ID
//    token, an expired one, a wrong nonce, another audience, a replayed callback, the provider
//    saying access_denied, a token endpoint that is down or answers an error. Each gets an HTML
//    error page without token material, an audit record, and leaves nobody signed in.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Provider from 'oidc-provider';
import { Agent, pkce, scrape } from './authserver_helpers.mjs';
import { Report, freePort, root, startGateway, tempDir } from './lib.mjs';
import { launchChromium } from './support/sign_in.mjs';
import { startFakeOidcProvider } from './support/fake_oidc_provider.mjs';
import { SdkTestProvider } from './support/sdk_provider.mjs';

const report = new Report('federation');
const dir = tempDir();
const crm = join(root, 'build/release/examples/crm/crm_server');
const secretFile = join(dir, 'idp-secret');
writeFileSync(secretFile, 'mcpgate-secret-at-the-idp\n');
const auditFile = join(dir, 'audit.jsonl');
const audit = () => {
  try { return readFileSync(auditFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)); } catch { return []; }
};
const payload = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

function gatewayYaml(idp, extra = '') {
  return `audit_log: ${auditFile}
authorization_server:
  storage: sqlite:${join(dir, `as-${randomBytes(4).toString('hex')}.db`)}
  upstream_idp:
    name: Company
    issuer: ${idp}
    client_id: mcpgate
    client_secret_file: ${secretFile}
    claims: [groups, email]
${extra}servers:
  - name: crm
    path: /mcp
    auth:
      scopes_supported: [mcp:read, mcp:write]
      required_scopes: [mcp:read]
    policy:
      rules:
        - { id: read-tools, tools: ["get_*", "search_*"], scopes: [mcp:read] }
        - { id: editors-update, tools: ["update_*"], scopes: [mcp:read], claims: { groups: crm-editors } }
    upstreams:
      - name: crm
        stdio: { command: ["${crm}", "--stdio"] }
`;
}

// ---------------------------------------------------------------------------------------------
// 1. The real provider, a real browser, the real SDK.
async function realProvider() {
  let handler = (_q, s) => { s.statusCode = 503; s.end(); };
  const seen = [];
  const disabled = new Set();
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    // An enterprise provider that does not implement RFC 8707 refuses `resource` outright.
    if (req.url.includes('resource=')) { res.statusCode = 400; res.end('{"error":"invalid_target"}'); return; }
    handler(req, res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer, seen, disabled,
    configure(redirectUri, { refresh = false } = {}) {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
      const provider = new Provider(issuer, {
        clients: [{ client_id: 'mcpgate', client_secret: 'mcpgate-secret-at-the-idp', redirect_uris: [redirectUri],
          grant_types: refresh ? ['authorization_code', 'refresh_token'] : ['authorization_code'], response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic' }],
        jwks: { keys: [{ ...rsa, kid: 'rsa-1', alg: 'RS256', use: 'sig' }] },
        claims: { openid: ['sub', 'groups'], email: ['email'], profile: ['name'] },
        // The claims in the ID token itself: mcpgate does not call userinfo.
        conformIdTokenClaims: false,
        // A disabled account is one the provider no longer finds: its refresh tokens then fail.
        findAccount: async (_ctx, id) => (disabled.has(id) ? undefined : {
          accountId: id,
          claims: async () => ({ sub: id, email: `${id}@example.com`, name: id, groups: id === 'alice' ? ['crm-editors'] : ['crm-readers'] }),
        }),
        cookies: { keys: ['federation-test-cookie-key'] },
        features: { devInteractions: { enabled: true }, registration: { enabled: false }, resourceIndicators: { enabled: false } },
      });
      provider.on('server_error', () => {});
      handler = provider.callback();
    },
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

// Drives one browser through the provider's login and consent and mcpgate's consent; returns the
// URL it was sent back to (the client's redirect URI).
async function browse(page, url, user, idpOrigin, callbackOrigin) {
  page.setDefaultTimeout(15000);
  await page.goto(url);
  for (let step = 0; step < 6; step++) {
    const here = new URL(page.url());
    if (here.origin === callbackOrigin) return here;
    const before = page.url();
    const moved = () => page.waitForURL((u) => u.href !== before, { waitUntil: 'commit' });
    if (await page.locator('input[name=login]').count()) {
      await page.fill('input[name=login]', user);
      await page.fill('input[name=password]', 'any-password');
      await Promise.all([moved(), page.click('button[type=submit]')]);
    } else if (here.origin === idpOrigin) {
      await Promise.all([moved(), page.click('button[type=submit]')]);  // the provider's consent
    } else if (await page.locator('#client-name').count()) {
      await Promise.all([moved(), page.click('button[value=approve]')]);  // mcpgate's consent
    } else {
      throw new Error(`unexpected page ${page.url()}: ${(await page.content()).slice(0, 300)}`);
    }
    await page.waitForLoadState('domcontentloaded').catch(() => {});
  }
  throw new Error(`sign-in did not finish at ${page.url()}`);
}

class SdkProvider extends SdkTestProvider {
  constructor(redirect, browserPage, user, idpOrigin) {
    super(redirect, { clientName: 'federation test client' });
    Object.assign(this, { browserPage, user, idpOrigin });
  }
  async redirectToAuthorization(url) {
    this.authUrl = url;
    const back = await browse(this.browserPage, url.toString(), this.user, this.idpOrigin, new URL(this.redirect).origin);
    this.code = back.searchParams.get('code');
  }
}

async function connect(gw, provider) {
  const t1 = new StreamableHTTPClientTransport(new URL(gw.url), { authProvider: provider });
  try {
    await new Client({ name: 'fed', version: '1' }).connect(t1);
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
  }
  await t1.finishAuth(provider.code);
  const client = new Client({ name: 'fed', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(gw.url), { authProvider: provider }));
  return client;
}

const browser = await launchChromium();
const idp = await realProvider();
const idp2 = await realProvider();
const keyFile = join(dir, 'token-key');
writeFileSync(keyFile, randomBytes(32).toString('base64'));
let gwRecheck;
const callbackPort = await freePort();
// The clients' redirect target, and the metadata document of the client that registers by one.
const cimdUrl = `http://127.0.0.1:${callbackPort}/client.json`;
const landing = createServer((q, s) => {
  if (q.url !== '/client.json') return s.end('signed in; you may close this window');
  s.setHeader('content-type', 'application/json');
  s.end(JSON.stringify({ client_id: cimdUrl, client_name: 'CIMD federation client', redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`],
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' }));
}).listen(callbackPort, '127.0.0.1');
let gw;
try {
  gw = await startGateway(gatewayYaml(idp.issuer, '  cimd_allow_private_addresses: true\n'));
  idp.configure(`http://127.0.0.1:${gw.port}/idp/callback`);
  if (!browser) {
    report.check(false, 'Chromium is needed for the browser sign-in (set CHROMIUM or install chromium)');
  } else {
    const redirect = `http://127.0.0.1:${callbackPort}/callback`;
    const alicePage = await (await browser.newContext()).newPage();
    const alice = new SdkProvider(redirect, alicePage, 'alice', idp.issuer);
    const ac = await connect(gw, alice);
    report.check(alice.client?.client_id, 'the SDK registered with mcpgate by DCR (RFC 7591)', JSON.stringify(alice.client));
    report.check(alice.authUrl.searchParams.get('resource') === gw.url, 'the client asked mcpgate for resource = the MCP endpoint (RFC 8707)');
    const toIdp = idp.seen.find((s) => s.startsWith('GET /auth'));
    const q = new URL(toIdp ?? 'GET /x', 'http://x').searchParams;
    report.check(toIdp && q.get('code_challenge_method') === 'S256' && q.get('state') && q.get('nonce') && q.get('client_id') === 'mcpgate' &&
      q.get('redirect_uri') === `http://127.0.0.1:${gw.port}/idp/callback` && !q.has('resource') && q.get('scope') === 'openid email profile',
      'mcpgate sent the browser to the provider: code + PKCE S256 + state + nonce, its own client, no resource', toIdp);
    report.check(!idp.seen.some((s) => s.includes('/reg')), 'mcpgate did not register at the provider (a static client)');
    const claims = payload(alice.saved.access_token);
    report.check(claims.iss === `http://127.0.0.1:${gw.port}` && claims.aud === gw.url && claims.sub === `${idp.issuer}#alice`,
      "the MCP client's token is mcpgate's: its issuer, audience = the MCP endpoint, user = provider#sub", JSON.stringify(claims));
    report.check(JSON.stringify(claims.groups) === '["crm-editors"]' && claims.email === 'alice@example.com' && claims.scope === 'mcp:read',
      'the configured claims (groups, email) were copied from the ID token; scopes from mcpgate\'s consent', JSON.stringify(claims));
    const got = await ac.callTool({ name: 'get_customer', arguments: { id: '1' } });
    report.check(JSON.stringify(got.content).includes('Ada Lovelace'), 'alice calls a read tool');
    const up = await ac.callTool({ name: 'update_customer', arguments: { id: '2', tier: 'gold' } });
    report.check(!up.isError && JSON.stringify(up.content).includes('Updated customer 2'), 'alice (group crm-editors at the provider) may update', JSON.stringify(up));

    // Refresh: the copied claims stay in the refreshed token.
    alice.saved = { ...alice.saved, access_token: 'garbage' };
    const again = new Client({ name: 'fed', version: '1' });
    await again.connect(new StreamableHTTPClientTransport(new URL(gw.url), { authProvider: alice }));
    report.check(JSON.stringify(payload(alice.saved.access_token).groups) === '["crm-editors"]', 'a refreshed token still carries groups');

    const bobPage = await (await browser.newContext()).newPage();
    const bob = new SdkProvider(redirect, bobPage, 'bob', idp.issuer);
    const bc = await connect(gw, bob);
    const read = await bc.callTool({ name: 'search_customers', arguments: { query: 'Grace' } });
    report.check(JSON.stringify(read.content).includes('Grace'), 'bob (not an editor) calls a read tool');
    let refused = null;
    try {
      const r = await bc.callTool({ name: 'update_customer', arguments: { id: '2', tier: 'bronze' } });
      if (r.isError) refused = r;
    } catch (e) { refused = e; }
    report.check(refused, 'bob is refused update_customer by the rule on the groups claim', String(refused));
    const signIns = audit().filter((a) => a.method === 'sign_in' && a.decision === 'allow');
    report.check(signIns.some((a) => a.subject === `${idp.issuer}#alice`) && signIns.some((a) => a.subject === `${idp.issuer}#bob`),
      'each sign-in at the provider is in the audit log', JSON.stringify(signIns));

    // A client that registers by a Client ID Metadata Document instead of DCR: the same sign-in
    // at the provider.
    const dave = new SdkProvider(redirect, await (await browser.newContext()).newPage(), 'dave', idp.issuer);
    dave.client = { client_id: cimdUrl };
    const dc = await connect(gw, dave);
    const daveRead = await dc.callTool({ name: 'get_customer', arguments: { id: '1' } });
    report.check(dave.authUrl.searchParams.get('client_id') === cimdUrl && JSON.stringify(daveRead.content).includes('Ada Lovelace') &&
      payload(dave.saved.access_token).sub === `${idp.issuer}#dave`,
      'a client identified by its metadata document URL signs its user in at the provider and calls a tool', dave.authUrl?.toString());

    // recheck_on_refresh against oidc-provider: its refresh token kept, redeemed at each refresh.
    gwRecheck = await startGateway(gatewayYaml(idp2.issuer, `  token_encryption_key_file: ${keyFile}\n`)
      .replace('    claims: [groups, email]\n', '    claims: [groups, email]\n    recheck_on_refresh: true\n'));
    idp2.configure(`http://127.0.0.1:${gwRecheck.port}/idp/callback`, { refresh: true });
    const carol = new SdkProvider(redirect, await (await browser.newContext()).newPage(), 'carol', idp2.issuer);
    await connect(gwRecheck, carol);
    const toIdp2 = new URL(idp2.seen.find((s) => s.startsWith('GET /auth')) ?? 'GET /x', 'http://x').searchParams;
    report.check(toIdp2.get('scope') === 'openid email profile offline_access' && toIdp2.get('prompt') === 'consent',
      'with recheck_on_refresh mcpgate asks the provider for offline_access with prompt=consent (OIDC Core §11)', toIdp2.toString());
    const refreshAt = async (rt) => {
      const r = await fetch(`http://127.0.0.1:${gwRecheck.port}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: rt, client_id: carol.client.client_id }).toString() });
      return { status: r.status, body: await r.json().catch(() => ({})) };
    };
    const before = idp2.seen.filter((s) => s.startsWith('POST /token')).length;
    const ok1 = await refreshAt(carol.saved.refresh_token);
    report.check(ok1.status === 200 && idp2.seen.filter((s) => s.startsWith('POST /token')).length === before + 1,
      "a refresh at mcpgate redeems oidc-provider's refresh token first, then issues", `${ok1.status} ${JSON.stringify(ok1.body)}`);
    idp2.disabled.add('carol');
    const refusedAtProvider = await refreshAt(ok1.body.refresh_token);
    report.check(refusedAtProvider.status === 400 && refusedAtProvider.body.error === 'invalid_grant',
      'a user disabled at the provider is refused at the next refresh: 400 invalid_grant', `${refusedAtProvider.status} ${JSON.stringify(refusedAtProvider.body)}`);
    idp2.disabled.delete('carol');
    const stillDead = await refreshAt(ok1.body.refresh_token);
    report.check(stillDead.status === 400 && stillDead.body.error === 'invalid_grant',
      'and the refresh token family issued before is dead (revoked, not just refused once)', `${stillDead.status}`);
  }
} catch (e) {
  report.check(false, 'unexpected exception (real provider)', e?.stack ?? String(e));
} finally {
  await gw?.stop();
  await gwRecheck?.stop();
  await idp.stop();
  await idp2.stop();
  await browser?.close();
}

// ---------------------------------------------------------------------------------------------
// 2. Failures, with a provider the test controls.
const fake = await startFakeOidcProvider({ clientId: 'mcpgate', clientSecret: 'mcpgate-secret-at-the-idp' });
let gw2;
let gw3;
try {
  gw2 = await startGateway(gatewayYaml(fake.issuer));
  const base = `http://127.0.0.1:${gw2.port}`;
  const reg = await (await fetch(`${base}/register`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'failure tests', redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`],
      token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'] }) })).json();
  let verifier = '';
  const start = async (agent, extra = {}) => {
    const { challenge, verifier: v } = pkce();
    verifier = v;
    const u = new URL(`${base}/authorize`);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: reg.client_id, redirect_uri: `http://127.0.0.1:${callbackPort}/callback`,
      state: 'client-state', code_challenge: challenge, code_challenge_method: 'S256', resource: `${base}/mcp`, scope: 'mcp:read', ...extra })) u.searchParams.set(k, v);
    return agent.get(u.toString());
  };
  // Through the provider and back: the callback's answer, and the callback URL for a replay.
  const signIn = async (agent) => {
    const a = await start(agent);
    if (a.status !== 302 || !a.location.startsWith(`${fake.issuer}/authorize`)) throw new Error(`authorize: ${a.status} ${a.location}`);
    const p = await agent.get(a.location);
    const cb = await agent.get(p.location);
    return { cb, callbackUrl: p.location };
  };
  const clean = (r) => /text\/html/.test(r.headers.get('content-type') ?? '') && !/eyJ|code-\d|provider-access-token|<script>x|at [\w.]+ \(/.test(r.body);
  const notSignedIn = async (agent) => {
    const r = await start(agent, { prompt: 'none' });
    return r.status === 302 && new URL(r.location).searchParams.get('error') === 'login_required';
  };
  const lastAudit = () => audit().filter((a) => a.method === 'sign_in').at(-1) ?? {};

  // The good path first, to show the failures below fail for their one reason.
  fake.state.mode = 'good';
  const ok = new Agent();
  const good = await signIn(ok);
  report.check(good.cb.status === 200 && good.cb.body.includes('id="client-name"'), 'a valid ID token leads to mcpgate\'s consent page', `${good.cb.status}`);
  const tr = fake.state.tokenRequests.at(-1);
  report.check(tr && tr.form.grant_type === 'authorization_code' && tr.form.code_verifier && !('resource' in tr.form) &&
    tr.headers.authorization?.startsWith('Basic '), 'the code was redeemed with PKCE and client_secret_basic, without resource', JSON.stringify(tr?.form));

  const replay = await ok.get(good.callbackUrl);
  report.check(replay.status === 400 && clean(replay) && lastAudit().reason === 'state_unknown' && lastAudit().decision === 'deny',
    'a replayed callback (same state, code and nonce) is refused: single use', `${replay.status} ${JSON.stringify(lastAudit())}`);

  const cases = [
    ['forged', 'bad_signature', 'an ID token signed with another key (forged)'],
    ['expired', 'expired', 'an expired ID token'],
    ['wrong-nonce', 'wrong_nonce', 'an ID token with another sign-in\'s nonce'],
    ['wrong-aud', 'wrong_audience', 'an ID token issued to another client'],
    ['deny', 'provider_access_denied', 'the provider answering error=access_denied'],
    ['token-error', 'provider_refused', 'the token endpoint answering an OAuth error'],
    ['token-down', 'provider_unavailable', 'the token endpoint down (connection dropped)'],
  ];
  for (const [mode, reason, what] of cases) {
    fake.state.mode = mode;
    const agent = new Agent();
    const { cb, callbackUrl } = await signIn(agent);
    const a = lastAudit();
    report.check(cb.status >= 400 && clean(cb) && a.reason === reason && a.decision === 'deny' && (await notSignedIn(agent)),
      `${what}: error page without token material, audited (${reason}), nobody signed in`, `${cb.status} ${JSON.stringify(a)} ${cb.body.slice(0, 200)}`);
    fake.state.mode = 'good';
    const again = await agent.get(callbackUrl);
    report.check(again.status === 400 && !again.body.includes('id="client-name"'), `${what}: the pending authorization is consumed`, `${again.status}`);
  }

  // A callback whose state was started in another browser (login CSRF) is refused.
  fake.state.mode = 'good';
  const victim = new Agent();
  const attacker = new Agent();
  const aStart = await start(attacker);
  const aIdp = await attacker.get(aStart.location);
  await start(victim);
  const csrf = await victim.get(aIdp.location);
  report.check(csrf.status === 403 && lastAudit().reason === 'session_mismatch' && (await notSignedIn(victim)),
    "a provider answer delivered to another browser (login CSRF) is refused", `${csrf.status}`);
  // Groups overage (Entra ID): the claim is a reference, not copied, not guessed.
  fake.state.claims = { _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph.example/x' } } };
  const ov = new Agent();
  const ovr = await signIn(ov);
  const approved = await ov.postForm(`${base}/authorize/consent`, { request_id: scrape(ovr.cb.body, 'request_id'),
    csrf_token: scrape(ovr.cb.body, 'csrf_token'), decision: 'approve' });
  const ovCode = new URL(approved.location ?? 'http://x/').searchParams.get('code');
  const ovTok = await (await fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: ovCode ?? '', code_verifier: verifier, client_id: reg.client_id,
      redirect_uri: `http://127.0.0.1:${callbackPort}/callback`, resource: `${base}/mcp` }).toString() })).json();
  const ovClaims = ovTok.access_token ? payload(ovTok.access_token) : {};
  report.check(ovTok.access_token && !('groups' in ovClaims) && !('_claim_names' in ovClaims) && ovClaims.sub === `${fake.issuer}#user-1`,
    'a groups overage (_claim_names, as Entra ID sends): the user signs in, groups is not copied nor guessed', JSON.stringify(ovClaims));
  fake.state.claims = {};
  // The password form is closed when a provider signs people in.
  const pw = await ok.postForm(`${base}/authorize/login`, { request_id: 'x', csrf_token: 'y', username: 'a', password: 'b' });
  report.check(pw.status === 403, 'the password form is refused when federation is configured', `${pw.status}`);

  // Several providers: a page lists them; each link starts the sign-in at that provider, for the
  // browser that started the authorization only.
  gw3 = await startGateway(gatewayYaml(fake.issuer).replace(/  upstream_idp:\n(    .*\n)+/, `  upstream_idps:
    - { name: First Corp, issuer: ${fake.issuer}, client_id: mcpgate, client_secret_file: ${secretFile} }
    - { name: Second Corp, issuer: ${fake.issuer}, client_id: mcpgate, client_secret_file: ${secretFile} }
`));
  const base3 = `http://127.0.0.1:${gw3.port}`;
  const reg3 = await (await fetch(`${base3}/register`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`], token_endpoint_auth_method: 'none' }) })).json();
  const chooser = new Agent();
  const u3 = new URL(`${base3}/authorize`);
  for (const [k, v] of Object.entries({ response_type: 'code', client_id: reg3.client_id, redirect_uri: `http://127.0.0.1:${callbackPort}/callback`,
    state: 's', code_challenge: pkce().challenge, code_challenge_method: 'S256', resource: `${base3}/mcp` })) u3.searchParams.set(k, v);
  const page = await chooser.get(u3.toString());
  const links = [...page.body.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => ({ href: m[1].replace(/&amp;/g, '&'), name: m[2] }));
  report.check(page.status === 200 && links.length === 2 && links[0].name === 'First Corp' && links[1].name === 'Second Corp',
    'several providers: a page lists them by name', JSON.stringify(links));
  const stranger = new Agent();
  const foreign = await stranger.get(`${base3}${links[1]?.href}`);
  report.check(foreign.status === 400, "a provider link opened in another browser is refused", `${foreign.status}`);
  const bogus = await chooser.get(`${base3}${links[1]?.href.replace(/idp=1/, 'idp=7')}`);
  report.check(bogus.status === 400, 'a provider index that does not exist is refused', `${bogus.status}`);
  const chosen = await chooser.get(`${base3}${links[1]?.href}`);
  report.check(chosen.status === 302 && chosen.location.startsWith(`${fake.issuer}/authorize`), 'the chosen provider\'s link starts the sign-in there', `${chosen.status}`);
  const back3 = await chooser.get((await chooser.get(chosen.location)).location);
  report.check(back3.status === 200 && back3.body.includes('id="client-name"'), 'and its answer leads to the consent page', `${back3.status}`);
} catch (e) {
  report.check(false, 'unexpected exception (failure cases)', e?.stack ?? String(e));
} finally {
  await gw3?.stop();
  await gw2?.stop();
  await fake.stop();
  landing.close();
}
report.finish();

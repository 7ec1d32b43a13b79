// Per-user allowed scopes of the embedded authorization server, set with the admin commands and
// seen through the pages: `mcpgate users add --scope`, `users scope`, `users list`; a user asking
// (through a client) for more than they may have is granted the intersection, named in the token
// response's `scope` (RFC 6749 §3.3), and the consent page shows what is not available.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Agent, pkce, scrape } from './authserver_helpers.mjs';
import { Report, gatewayBin, startGateway, tempDir } from './lib.mjs';

const report = new Report('user-scopes');
const dir = tempDir();
const storage = `sqlite:${join(dir, 'as.db')}`;
const admin = (args, input) => spawnSync(gatewayBin, [...args, '--storage', storage], { input, encoding: 'utf8' });
report.check(admin(['users', 'add', 'bob', '--password-stdin', '--scope', 'mcp:read'], 'bob-password\n').status === 0,
  'mcpgate users add bob --scope mcp:read');
report.check(admin(['users', 'add', 'carol', '--password-stdin', '--scope', 'mcp:read "x"'], 'carol-password\n').status === 2,
  'a malformed scope is refused (exit 2)');
report.check(/^bob\t.*\tscope mcp:read$/m.test(admin(['users', 'list']).stdout), 'users list shows the scopes', admin(['users', 'list']).stdout);
report.check(admin(['users', 'add', 'bob', '--password-stdin'], 'bob-password\n').status === 0 &&
  /^bob\t.*\tscope mcp:read$/m.test(admin(['users', 'list']).stdout), 'a password change keeps the scopes');
report.check(admin(['users', 'scope', 'nobody', 'mcp:read']).status === 1, 'users scope of an unknown user fails');
const redirect = 'http://127.0.0.1:3000/callback';
report.check(admin(['clients', 'add', 'agent', '--redirect-uri', redirect]).status === 0, 'mcpgate clients add agent');

const gw = await startGateway(`authorization_server:
  storage: ${storage}
  allow_loopback_http: true
servers:
  - name: crm
    path: /mcp
    auth: { scopes_supported: [mcp:read, mcp:write] }
    policy:
      rules:
        - { id: tools, tools: ["*"], scopes: [mcp:read] }
    upstreams:
      - name: none
        http: { url: "http://127.0.0.1:9/mcp" }
`);
const origin = `http://127.0.0.1:${gw.port}`;
const resource = `${origin}/mcp`;

async function signIn(user, scope) {
  const agent = new Agent();
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({ response_type: 'code', client_id: 'agent', redirect_uri: redirect, state: 's',
    code_challenge: challenge, code_challenge_method: 'S256', resource, scope });
  const login = await agent.get(`${origin}/authorize?${q}`);
  const consent = await agent.postForm(`${origin}/authorize/login`, { request_id: scrape(login.body, 'request_id'),
    csrf_token: scrape(login.body, 'csrf_token'), username: user, password: `${user}-password` });
  if (consent.status !== 200) return { consent, location: consent.location };
  const done = await agent.postForm(`${origin}/authorize/consent`, { request_id: scrape(consent.body, 'request_id'),
    csrf_token: scrape(consent.body, 'csrf_token'), decision: 'approve' });
  const code = new URL(done.location).searchParams.get('code');
  const t = await fetch(`${origin}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: 'agent', code_verifier: verifier, resource }).toString() });
  return { consent, token: await t.json() };
}
const items = (html, id) => [...(html.match(new RegExp(`id="${id}">(.*?)</ul>`, 's'))?.[1] ?? '').matchAll(/<code>([^<]*)<\/code>/g)].map((m) => m[1]);

try {
  const a = await signIn('bob', 'mcp:read mcp:write');
  report.check(items(a.consent.body, 'scopes').join(' ') === 'mcp:read' && items(a.consent.body, 'withheld').join(' ') === 'mcp:write',
    'the consent page grants mcp:read and shows mcp:write as not available to the account');
  report.check(a.token.scope === 'mcp:read', 'the token response names the narrower grant (RFC 6749 §3.3)', JSON.stringify(a.token));
  const payload = JSON.parse(Buffer.from(a.token.access_token.split('.')[1], 'base64url'));
  report.check(payload.scope === 'mcp:read', 'the access token carries mcp:read only', payload.scope);

  const none = await signIn('bob', 'mcp:write');
  const back = new URL(none.location ?? 'http://x/');
  report.check(none.consent.status === 303 && back.searchParams.get('error') === 'access_denied' && back.searchParams.get('state') === 's',
    'asking only for what the user may not have: access_denied to the client', `${none.consent.status} ${none.location}`);

  report.check(admin(['users', 'scope', 'bob', 'mcp:read mcp:write']).status === 0, 'mcpgate users scope bob "mcp:read mcp:write"');
  const b = await signIn('bob', 'mcp:read mcp:write');
  report.check(b.token.scope === 'mcp:read mcp:write' && !b.consent.body.includes('id="withheld"'), 'the new scopes apply at the next sign-in', JSON.stringify(b.token));
  report.check(admin(['users', 'scope', 'bob', '']).status === 0 && /^bob\t.*\tscope \*$/m.test(admin(['users', 'list']).stdout),
    'users scope bob "" lifts the restriction');
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw.stop();
}
report.finish();

// Which Origin the gateway accepts where (docs/security.md, "Host and Origin"), over HTTP against
// the gateway with its embedded authorization server:
// - the authorization server's HTML pages (authorize, login, consent) accept `Origin: null`, which
//   a browser sends with their form POSTs under Referrer-Policy: no-referrer (Fetch standard,
//   "append a request Origin header"). Regression: the guard refused it on every path, so no one
//   could sign in through `mcpgate demo` in a real browser. The pages' own CSRF defences still
//   refuse a forged or missing token, a missing cookie, and foreign origins;
// - the MCP endpoint and the JSON endpoints (token, registration) still refuse `null` and foreign
//   origins (MCP transports, "Security Warning": DNS rebinding), and the Host check applies to
//   every path.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { scrape } from './authserver_helpers.mjs';
import { Report, gatewayBin, raw, root, startGateway, tempDir } from './lib.mjs';

const report = new Report('authserver pages origin');
const dir = tempDir();
const storage = `sqlite:${join(dir, 'as.db')}`;
const crm = join(root, 'build/release/examples/crm/crm_server');
const added = spawnSync(gatewayBin, ['users', 'add', 'alice', '--storage', storage, '--password-stdin'], { input: 'alice-password\n', encoding: 'utf8' });
report.check(added.status === 0, 'mcpgate users add', added.stderr);

const gw = await startGateway(`authorization_server:
  storage: ${storage}
servers:
  - name: crm
    path: /mcp
    auth:
      scopes_supported: [mcp:read, mcp:write]
    policy:
      rules:
        - { tools: ["get_*"], scopes: [mcp:read] }
    upstreams:
      - name: crm
        stdio: { command: ["${crm}", "--stdio"] }
`);
const base = `http://127.0.0.1:${gw.port}`;
const host = `127.0.0.1:${gw.port}`;
const guardRefused = (r) => r.status === 403 && r.json?.error?.code === -32600;
const form = (fields) => new URLSearchParams(fields).toString();
const formHeaders = (extra) => ({ host, 'content-type': 'application/x-www-form-urlencoded', ...extra });

try {
  const redirectUri = 'http://127.0.0.1:9/callback';
  const reg = await raw(gw.port, 'POST', '/register', { host, 'content-type': 'application/json' },
    { client_name: 'origin test', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'], response_types: ['code'] });
  report.check(reg.status === 201, 'a client registers (RFC 7591)', reg.body);
  const verifier = randomBytes(32).toString('base64url');
  const authorizePath = `/authorize?${new URLSearchParams({
    response_type: 'code', client_id: reg.json?.client_id, redirect_uri: redirectUri, state: 's1', scope: 'mcp:read',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', resource: `${base}/mcp`,
  })}`;

  const login = await raw(gw.port, 'GET', authorizePath, { host });
  report.check(login.status === 200 && login.body.includes('name="password"'), 'GET /authorize shows the login page', login.body.slice(0, 200));
  const cookie = (login.headers['set-cookie'] ?? [''])[0].split(';')[0];
  const setCookie = (login.headers['set-cookie'] ?? [''])[0];
  report.check(/HttpOnly/i.test(setCookie) && /SameSite=Lax/i.test(setCookie),
    'the session cookie is HttpOnly and SameSite=Lax (not sent with a cross-site POST)', setCookie);
  report.check(/frame-ancestors 'none'/.test(login.headers['content-security-policy'] ?? '') && login.headers['x-frame-options'] === 'DENY',
    'the login page cannot be framed (CSP frame-ancestors, X-Frame-Options; RFC 9700 §4.16)');
  const requestId = scrape(login.body, 'request_id');
  const csrf = scrape(login.body, 'csrf_token');
  report.check(requestId.length > 0 && csrf.length >= 16, 'the form carries a request id and a CSRF token');
  const credentials = { request_id: requestId, username: 'alice', password: 'alice-password' };

  // The CSRF defences are what protects the form; Origin: null does not get past them.
  const forged = await raw(gw.port, 'POST', '/authorize/login', formHeaders({ origin: 'null', cookie }),
    form({ ...credentials, csrf_token: `${csrf.slice(0, -2)}xx` }));
  report.check(forged.status === 403 && !guardRefused(forged) && !forged.body.includes('Authorize'),
    'Origin: null with a forged CSRF token: refused by the page (403), no consent', `${forged.status} ${forged.body.slice(0, 120)}`);
  const missing = await raw(gw.port, 'POST', '/authorize/login', formHeaders({ origin: 'null', cookie }), form(credentials));
  report.check(missing.status === 403 && !guardRefused(missing), 'Origin: null without a CSRF token: refused (403)', String(missing.status));
  const noCookie = await raw(gw.port, 'POST', '/authorize/login', formHeaders({ origin: 'null' }), form({ ...credentials, csrf_token: csrf }));
  report.check(noCookie.status === 403 && !guardRefused(noCookie),
    "Origin: null without the session cookie (a cross-site POST under SameSite=Lax): refused (403)", String(noCookie.status));
  const foreign = await raw(gw.port, 'POST', '/authorize/login', formHeaders({ origin: 'https://evil.example', cookie }),
    form({ ...credentials, csrf_token: csrf }));
  report.check(guardRefused(foreign), 'a foreign Origin on the login form is refused by the guard (403)', String(foreign.status));
  const rebound = await raw(gw.port, 'POST', '/authorize/login', formHeaders({ host: `evil.example:${gw.port}`, origin: 'null', cookie }),
    form({ ...credentials, csrf_token: csrf }));
  report.check(guardRefused(rebound), 'Origin: null does not lift the Host check on the pages (DNS rebinding)', String(rebound.status));

  // The browser's own form POST: Origin: null, cookie and token from the page.
  const consent = await raw(gw.port, 'POST', '/authorize/login', formHeaders({ origin: 'null', cookie }), form({ ...credentials, csrf_token: csrf }));
  report.check(consent.status === 200 && consent.body.includes('id="client-name"'),
    'Origin: null with the page\'s cookie and CSRF token: signed in, consent page shown', `${consent.status} ${consent.body.slice(0, 160)}`);
  report.check(consent.headers['access-control-allow-origin'] === undefined,
    'no Access-Control-Allow-Origin on a page (never "null": a sandboxed frame could read it)', consent.headers['access-control-allow-origin']);
  const cookie2 = (consent.headers['set-cookie'] ?? [''])[0].split(';')[0];
  report.check(cookie2 && cookie2 !== cookie, 'a new session id at sign-in (session fixation)');
  const replay = await raw(gw.port, 'POST', '/authorize/consent', formHeaders({ origin: 'null', cookie: cookie2 }),
    form({ request_id: scrape(consent.body, 'request_id'), csrf_token: csrf, decision: 'approve' }));
  report.check(replay.status === 403 && !guardRefused(replay), 'the pre-sign-in CSRF token no longer works on the consent form', String(replay.status));
  const approved = await raw(gw.port, 'POST', '/authorize/consent', formHeaders({ origin: 'null', cookie: cookie2 }),
    form({ request_id: scrape(consent.body, 'request_id'), csrf_token: scrape(consent.body, 'csrf_token'), decision: 'approve' }));
  report.check(approved.status === 303 && (approved.headers.location ?? '').startsWith(`${redirectUri}?code=`),
    'Origin: null on the consent form: approved, redirected to the client with a code', `${approved.status} ${approved.headers.location}`);

  // Everywhere else an opaque or foreign origin is still refused.
  const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
  const mcpHeaders = (origin) => ({ host, origin, 'content-type': 'application/json', accept: 'application/json, text/event-stream' });
  for (const origin of ['null', 'NULL', 'https://evil.example', `http://127.0.0.1.nip.io:${gw.port}`])
    report.check(guardRefused(await raw(gw.port, 'POST', '/mcp', mcpHeaders(origin), init)),
      `Origin: ${origin} on the MCP endpoint: 403 (MCP transports, Security Warning: DNS rebinding)`);
  const token = await raw(gw.port, 'POST', '/token', formHeaders({ origin: 'null' }), form({ grant_type: 'authorization_code', code: 'x' }));
  report.check(guardRefused(token), 'Origin: null on the token endpoint: 403', String(token.status));
  const register = await raw(gw.port, 'POST', '/register', { host, origin: 'null', 'content-type': 'application/json' }, { redirect_uris: [redirectUri] });
  report.check(guardRefused(register), 'Origin: null on the registration endpoint: 403', String(register.status));
  const local = await raw(gw.port, 'POST', '/mcp', mcpHeaders(`http://localhost:${gw.port}`), init);
  report.check(local.status === 401 && local.headers['access-control-allow-origin'] === `http://localhost:${gw.port}`,
    'a loopback origin still reaches the MCP endpoint (401 before a token), with CORS headers', `${local.status}`);
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw.stop();
}
report.finish();

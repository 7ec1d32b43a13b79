// The mcpgate client against a deliberately misbehaving MCP server and authorization server
// (support/hostile_auth_server.mjs), one attack per mode. For each, `mcpgate tools URL`:
//   - exits non-zero, with an error on stderr that names the problem;
//   - does not open the browser when discovery already failed (its --browser hands the URL to this
//     test: support/browser_handover.mjs); when the flow gets that far, once (plus the bounded
//     step-ups of a server that keeps answering insufficient_scope);
//   - never sends a token anywhere it should not (every request the hostile server saw is recorded);
//   - does not hang: --timeout 2 bounds each request and --login-timeout 3 the wait for the browser;
//     a run still alive after 20 s is killed and counts as a failure.
// Where the flow reaches the browser, this test plays the user's browser: it follows the
// authorization endpoint's redirect back to the client's loopback listener.
// The modes run side by side (separate servers, handovers and configuration directories); whether a
// browser was opened is judged after all of them ended, since the opener is a detached process.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Report, gatewayBin, tempDir } from './lib.mjs';
import { startHostileServer } from './support/hostile_auth_server.mjs';
import { browserScript, startHandover } from './support/sign_in.mjs';

const report = new Report('client hostile');
const dir = tempDir();

// mode → what the client must say (stderr), and whether it may reach the browser.
const CASES = {
  'issuer-mismatch': { says: /issuer/i, browser: false, why: 'RFC 8414 §3.3: metadata issuer differs from the issuer used to fetch it' },
  'http-authorize': { says: /authorization_endpoint is not https/, browser: false, why: 'OAuth 2.1 §1.5: an http authorization endpoint off loopback' },
  'no-pkce': { says: /PKCE/, browser: false, why: 'MCP authorization, Authorization Code Protection: no code_challenge_methods_supported' },
  'plain-pkce-only': { says: /PKCE.*S256|S256/, browser: false, why: 'MCP authorization: S256 not supported' },
  'prm-redirect': { says: /redirect/, browser: false, why: 'RFC 9728 §3.3: resource metadata redirected to a foreign origin' },
  'metadata-redirect': { says: /redirect/, browser: false, why: 'RFC 8414: AS metadata redirected to a foreign origin' },
  'prm-other-resource': { says: /another resource/, browser: false, why: 'RFC 9728 §3.3: resource metadata names another resource' },
  'endless-body': { says: /body|large|limit|size/i, browser: false, why: 'an endless metadata body is cut at the size limit' },
  'stalled-metadata': { says: /deadline|time/i, browser: false, why: 'metadata that never comes is bounded by --timeout' },
  'drip-metadata': { says: /deadline|time/i, browser: false, why: 'metadata trickling in forever is bounded by --timeout as a whole' },
  'wrong-iss': { says: /another issuer|mix-up/, browser: true, why: 'RFC 9207 §2.4: authorization response with a wrong iss' },
  'token-crlf': { says: /the token endpoint's answer is unusable.*access_token is not visible ASCII/, browser: true, why: 'a token with CR LF would split the Authorization header' },
  'token-loop': { says: /refused the new token/, browser: true, why: 'a server refusing every token: one sign-in, one retry, then stop' },
  'scope-loop': { says: /still refuses with insufficient_scope/, browser: true, why: 'MCP authorization, Scope Challenge Handling: step-up retries are limited' },
  'wrong-state': { says: /sign-in did not complete/, browser: true, why: 'RFC 6749 §10.12: an authorization response with a state this client never sent is not its answer' },
  'prm-http-as': { says: /not an https URL|not https/, browser: false, why: 'an authorization server on plain http off loopback' },
  'mcp-redirect': { says: /HTTP 307.*redirect.*not followed/, browser: true, why: 'the MCP endpoint redirects a request with a token to another origin' },
};

async function run(mode, { server, configDir = join(dir, mode) } = {}) {
  server ??= await startHostileServer(mode);
  const handover = await startHandover();
  const started = Date.now();
  const proc = spawn(gatewayBin, ['tools', server.url, '--client-id', 'hostile-test-client', '--browser', browserScript,
    '--config-dir', configDir, '--timeout', '2', '--login-timeout', '3'],
  { env: { ...process.env, URL_HANDOVER: handover.sink }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  proc.stdout.resume();
  const hang = setTimeout(() => proc.kill('SIGKILL'), 20000);
  // 'close', not 'exit': stderr is then read to its end.
  const exited = new Promise((r) => proc.on('close', (code, signal) => r({ code, signal })));
  // The user's browser: follows each sign-in URL to the authorization endpoint, then back to the
  // client's redirect URI (never to a foreign host: this test does not leave loopback).
  let running = true;
  const browsing = (async () => {
    while (running) {
      let url;
      try { url = await Promise.race([handover.next(30000), exited.then(() => null)]); } catch { return; }
      if (!url) return;
      if (!url.startsWith('http://127.0.0.1:')) continue;  // this test never leaves loopback
      try {
        const r = await fetch(url, { redirect: 'manual' });
        const back = r.headers.get('location');
        if (back?.startsWith('http://127.0.0.1:')) await fetch(back).catch(() => {});
      } catch { /* the client may already have stopped listening */ }
    }
  })();
  const { code, signal } = await exited;
  running = false;
  clearTimeout(hang);
  await browsing;
  const result = { mode, code, signal, stderr, seconds: (Date.now() - started) / 1000, requests: server.requests,
    foreignRequests: server.foreignRequests, issued: server.issued, handover, stop: server.stop };
  return result;
}

const results = await Promise.all(Object.keys(CASES).map((mode) => run(mode)));
if (process.env.VERBOSE) for (const r of results) console.log(`# ${r.mode}: ${r.stderr.trim().split('\n').pop()}`);
for (const r of results) {
  const c = CASES[r.mode];
  const detail = `exit ${r.code} ${r.signal ?? ''} after ${r.seconds}s; stderr: ${r.stderr.trim()}`;
  report.check(r.signal === null && r.code !== 0, `${r.mode}: mcpgate tools stops with a failure, in time (${c.why})`, detail);
  report.check(c.says.test(r.stderr) && /^mcpgate: /m.test(r.stderr), `${r.mode}: the error on stderr names the problem`, detail);
  report.check(r.foreignRequests.length === 0, `${r.mode}: no request reached the foreign origin (redirects are not followed)`,
    JSON.stringify(r.foreignRequests));
  const withToken = r.requests.filter((q) => q.authorization);
  report.check(withToken.every((q) => q.path === '/mcp' && r.issued.includes(q.authorization.replace(/^Bearer /, ''))),
    `${r.mode}: a token is only ever sent to the MCP endpoint, and only the one its server issued`, JSON.stringify(withToken));
  if (!c.browser) {
    report.check(r.handover.urls.length === 0, `${r.mode}: the browser is never opened once discovery failed`, r.handover.urls.join(' '));
    report.check(withToken.length === 0 && !r.requests.some((q) => q.path === '/token'), `${r.mode}: no token requested or sent`,
      JSON.stringify(withToken));
  }
}
const by = Object.fromEntries(results.map((r) => [r.mode, r]));
{
  const r = by['wrong-iss'];
  report.check(r.handover.urls.length === 1, 'wrong-iss: the browser was opened once');
  report.check(!r.requests.some((q) => q.path === '/token'), 'wrong-iss: the code of a mixed-up response is never redeemed (no token request)',
    JSON.stringify(r.requests.map((q) => `${q.method} ${q.path}`)));
}
{
  const r = by['token-crlf'];
  report.check(r.requests.filter((q) => q.path === '/token').length === 1, 'token-crlf: one token request');
  report.check(!r.requests.some((q) => q.authorization), 'token-crlf: the CR LF token is never sent (no request carries an Authorization header)',
    JSON.stringify(r.requests.filter((q) => q.authorization)));
}
{
  const r = by['token-loop'];
  const tokenRequests = r.requests.filter((q) => q.path === '/token').length;
  const withToken = r.requests.filter((q) => q.authorization);
  report.check(r.handover.urls.length === 1 && tokenRequests === 1, 'token-loop: one sign-in and one token, not a new sign-in per refusal',
    `${r.handover.urls.length} sign-ins, ${tokenRequests} token requests`);
  report.check(withToken.length === 1 && withToken.every((q) => q.path === '/mcp' && q.authorization === `Bearer ${r.issued[0]}`),
    'token-loop: the token went to the MCP endpoint only, and was retried once', JSON.stringify(withToken.map((q) => `${q.method} ${q.path}`)));
}
{
  const r = by['scope-loop'];
  const tokenRequests = r.requests.filter((q) => q.path === '/token').length;
  report.check(r.handover.urls.length === 3 && tokenRequests === 3, 'scope-loop: the first sign-in and two step-ups, then stop',
    `${r.handover.urls.length} sign-ins, ${tokenRequests} token requests`);
  const asked = r.handover.urls.map((u) => new URL(u).searchParams.get('scope'));
  report.check(asked[2]?.split(' ').includes('mcp:read') && asked[2]?.split(' ').includes('mcp:admin-1'),
    'scope-loop: each step-up asks for the union of the scopes asked before and the challenged ones', asked.join(' | '));
}
{
  const r = by['wrong-state'];
  report.check(!r.requests.some((q) => q.path === '/token'), 'wrong-state: the code of an answer to another request is never redeemed');
}
{
  const r = by['mcp-redirect'];
  report.check(r.handover.urls.length === 1 && r.requests.filter((q) => q.path === '/token').length === 1,
    'mcp-redirect: one sign-in, one token', `${r.handover.urls.length} sign-ins`);
}
// Two servers, one configuration directory: A behaves and the client signs in there; B's resource
// metadata then names A as its authorization server (allowed: RFC 9728 lets any resource use any
// AS). The token A issued for A must never reach B (tokens are kept per issuer and resource), and
// the sign-in for B asks A for a token with B as its resource (RFC 8707).
{
  const a = await startHostileServer('honest');
  const b = await startHostileServer('token-loop', { authorizationServer: a.origin });
  const configDir = join(dir, 'two-servers');
  const first = await run('honest', { server: a, configDir });
  report.check(first.code === 0 && a.issued.length === 1, 'two servers: the client signs in to A and lists its tools', first.stderr);
  const tokenForA = a.issued[0];
  const second = await run('token-loop', { server: b, configDir });
  report.check(second.code !== 0 && second.handover.urls.length === 1, 'two servers: B (its metadata naming A\'s authorization server) needs a sign-in of its own',
    `${second.handover.urls.length} sign-ins; ${second.stderr}`);
  report.check(a.issued.length === 2 && b.requests.some((q) => q.authorization === `Bearer ${a.issued[1]}`),
    'two servers: the token A issued in the sign-in for B is the one sent to B', JSON.stringify(b.requests.filter((q) => q.authorization)));
  report.check(!b.requests.some((q) => q.authorization === `Bearer ${tokenForA}`), 'two servers: the token A issued for A is never sent to B',
    JSON.stringify(b.requests.filter((q) => q.authorization)));
  const tokenRequestForB = a.requests.filter((q) => q.path === '/token')[1];
  report.check(new URLSearchParams(tokenRequestForB?.body ?? '').get('resource') === b.url, 'two servers: the token for B is asked of A with resource = B (RFC 8707)',
    tokenRequestForB?.body);
  report.check(a.requests.filter((q) => q.authorization).every((q) => q.authorization === `Bearer ${tokenForA}`) && second.foreignRequests.length === 0,
    'two servers: A only ever sees its own token');
  for (const r of [first, second]) await r.handover.close();
  await a.stop();
  await b.stop();
}
for (const r of results) { await r.handover.close(); await r.stop(); }
report.finish();

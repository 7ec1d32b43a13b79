// The demo's whole story, the way a newcomer runs it: `scripts/demo` brings the demo up, then the
// commands it prints are run with the mcpgate client, each sign-in done in headless Chromium on
// the pages the gateway serves.
//   1. bob, the reader, signs in: he is granted mcp:read only;
//   2. his tool list has the read tools and no write tools;
//   3. he reads a customer;
//   4. his update is refused with 403 insufficient_scope asking for mcp:write; the client steps up
//      (asking for mcp:read mcp:write), the authorization server grants a reader mcp:read only,
//      and the client stops saying so;
//   5. `mcpgate logout`, `mcpgate login` as alice, the editor (prompt=login: the browser's session
//      is bob's), and her update's step-up consent grants mcp:write: the update succeeds;
//   6. the CRM API, on its side, only ever saw tokens minted for it by the gateway's token
//      exchange (audience the API, the gateway as actor), never a user's token for the gateway.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report, freePort, gatewayBin, root, stopAndJudge, tempDir } from './lib.mjs';

const report = new Report('demo story');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) {
  report.check(false, `SKIPPED: no Chromium at ${chromiumPath} (install Debian's chromium: scripts/setup)`);
  report.finish();
}
const { chromium } = await import('playwright-core');

const dir = tempDir();
const port = await freePort();
const urls = join(dir, 'urls.txt');
writeFileSync(urls, '');
const demo = spawn(join(root, 'scripts/demo'), [], {
  cwd: root,
  env: { ...process.env, MCPGATE_SKIP_SETUP: '1', MCPGATE_LISTEN: `127.0.0.1:${port}`, MCPGATE_DEMO_DIR: join(dir, 'demo') },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let banner = '';
let log = '';
demo.stdout.on('data', (d) => { banner += d; });
demo.stderr.on('data', (d) => { log += d; });
// scripts/demo checks the build first (nothing to do after the test command's build).
const until = Date.now() + 300000;
while (!log.includes('listening on port') && Date.now() < until && demo.exitCode === null) await new Promise((r) => setTimeout(r, 100));
report.check(log.includes('listening on port'), 'scripts/demo brings the demo up', banner + log.slice(-2000));

const mcp = `http://127.0.0.1:${port}/mcp`;
const user = (role) => {
  const m = banner.match(new RegExp(`(\\S+) / (\\S+)\\s+\\(${role}:`));
  return m ? { name: m[1], password: m[2] } : null;
};
const reader = user('reader');
const editor = user('editor');
const apiLog = banner.match(/CRM API log:\s+(\S+)/)?.[1];
const apiUrl = banner.match(/CRM API:\s+(\S+)/)?.[1];
report.check(reader && editor && apiLog && apiUrl, 'the demo prints a reader, an editor, the CRM API and its log', banner);
report.check(banner.includes(`login ${mcp}`) && banner.includes(`tools ${mcp}`) && banner.includes(`call ${mcp} update_customer`),
  'it prints the mcpgate client commands to try', banner);

const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
});

// Runs the mcpgate client; a sign-in URL it hands to the "browser" is signed in by `who`.
let seen = 0;
async function client(args, signIns = []) {
  const browserArgs = args[0] === 'logout' ? []
    : ['--browser', `${process.execPath} ${join(root, 'tests/node/integration/support/url_drop.mjs')} ${urls}`];
  const p = spawn(gatewayBin, [...args, '--config-dir', join(dir, 'client'), ...browserArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => { out += d; });
  p.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => p.on('exit', (c) => r(c)));
  const consents = [];
  let exitCode = null;
  exited.then((c) => { exitCode = c; });
  for (const who of signIns) {
    let url;
    while (!url) {
      const lines = readFileSync(urls, 'utf8').split('\n').filter(Boolean);
      if (lines.length > seen) url = lines[seen++];
      else if (exitCode !== null) throw new Error(`the client exited (${exitCode}) before asking for a sign-in:\n${err}`);
      else await new Promise((r) => setTimeout(r, 50));
    }
    consents.push({ url, ...(await signIn(url, who)) });
  }
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 60000))]);
  if (code === 'timeout') p.kill();
  return { code, out, err, consents };
}

// One browser profile for the whole story, as a user has: a session at the authorization server
// outlives a sign-in. Each URL the client hands over is opened in it; the login form is filled
// when it is shown (as `who`), the consent page approved when it is shown, until the browser
// lands on the client's loopback page. What was shown is returned.
const context = await browser.newContext();
const page = await context.newPage();
page.setDefaultTimeout(15000);
async function signIn(url, who) {
  const shown = { login: false, consent: false, granted: [], pageText: '' };
  await page.goto(url);
  for (;;) {
    const next = await Promise.race([
      page.waitForSelector('#username').then(() => 'login'),
      page.waitForSelector('#client-name').then(() => 'consent'),
      page.waitForURL(/\/callback\?/).then(() => 'callback'),
    ]);
    if (next === 'callback') break;
    if (next === 'login') {
      if (shown.login) throw new Error('the login form came back: wrong password?');
      shown.login = true;
      await page.fill('#username', who.name);
      await page.fill('#password', who.password);
      await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/authorize') || true), page.click('button[type=submit]')]);
      await page.waitForSelector('#username', { state: 'detached' }).catch(() => {});
      continue;
    }
    shown.consent = true;
    shown.granted = await page.locator('#scopes li').allTextContents();
    shown.pageText = await page.textContent('body');
    await Promise.all([page.waitForURL(/\/callback\?/), page.click('button[value=approve]')]);
    break;
  }
  shown.landed = await page.textContent('body');
  return shown;
}

try {
  const login = await client(['login', mcp], [reader]);
  report.check(login.code === 0 && /Scopes granted: mcp:read\s*$/m.test(login.out),
    `1. ${reader.name} (reader) signs in and is granted mcp:read`, login.out + login.err);
  report.check(login.consents[0]?.login && login.consents[0]?.landed.includes('Signed in'), "   the browser lands on the client's loopback page", login.consents[0]?.landed);
  report.check(new URL(login.consents[0].url).searchParams.get('resource') === mcp, '   the authorization request names the MCP endpoint as resource (RFC 8707)');

  const tools = await client(['tools', mcp]);
  const names = tools.out.split('\n').map((l) => l.split('\t')[0]).filter(Boolean);
  report.check(tools.code === 0 && names.includes('get_customer') && names.includes('search_customers') &&
    !names.some((n) => n.startsWith('update_') || n.startsWith('delete_')),
  '2. the reader lists only read tools', tools.out + tools.err);

  const read = await client(['call', mcp, 'get_customer', '--args', '{"id":"1"}']);
  report.check(read.code === 0 && read.out.includes('Ada Lovelace'), '3. the reader reads a customer (through the CRM API)', read.out + read.err);

  const args = ['call', mcp, 'update_customer', '--args', '{"id":"1","notes":"Called on Monday."}'];
  const refused = await client(args, [reader]);
  report.check(/403 insufficient_scope/.test(refused.err) && /mcp:write/.test(refused.err),
    "4. the reader's update is refused with 403 insufficient_scope asking for mcp:write", refused.err);
  const asked = new URL(refused.consents[0].url).searchParams.get('scope')?.split(' ') ?? [];
  report.check(asked.includes('mcp:write') && asked.includes('mcp:read'),
    '   the step-up asks for the union of the scopes (mcp:read mcp:write)', asked.join(' '));
  report.check(!refused.consents[0].login, '   the browser still holds his session: no second login form');
  report.check(refused.code === 1 && /did not grant mcp:write/.test(refused.err),
    '   a reader is granted mcp:read only, and the client stops saying so', `${refused.code} ${refused.err}`);

  const logout = await client(['logout', mcp]);
  report.check(logout.code === 0 && /Forgot 1 token set/.test(logout.out), '5. logout forgets the reader\'s tokens', logout.out + logout.err);
  const relogin = await client(['login', mcp], [editor]);
  report.check(new URL(relogin.consents[0].url).searchParams.get('prompt') === 'login' && relogin.consents[0].login,
    '   login asks the server to sign the user in again (prompt=login): the form is shown despite the session');
  report.check(relogin.code === 0, `   ${editor.name} (editor) signs in`, relogin.out + relogin.err);
  const updated = await client(args, [editor]);
  report.check(updated.consents[0]?.consent && updated.consents[0].granted.includes('mcp:write'),
    `   the step-up consent, as ${editor.name}, grants mcp:write`, JSON.stringify(updated.consents));
  report.check(updated.code === 0 && /Updated customer 1|Called on Monday/.test(updated.out),
    '   after it the update succeeds', updated.out + updated.err);

  // One line per request: {method, path, status, token: {verified, iss, aud, scope, sub, client_id, act}}.
  const lines = readFileSync(apiLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const accepted = lines.filter((l) => l.status < 400);
  const all = JSON.stringify(lines);
  report.check(accepted.length >= 2 && accepted.some((l) => l.method === 'PATCH'), '6. the CRM API answered the read and the update', all);
  report.check(accepted.every((l) => l.token?.verified && l.token.aud === apiUrl),
    '   every token it accepted was minted for it (verified, audience = the API)', all);
  report.check(!lines.some((l) => JSON.stringify(l.token?.aud ?? '').includes(mcp)), "   it never saw a user's token for the gateway", all);
  report.check(accepted.every((l) => l.token.act?.sub), '   each names the gateway as actor (token exchange, RFC 8693 act)', all);
  report.check(accepted.some((l) => l.method === 'PATCH' && l.token.sub === editor.name && l.token.scope.split(' ').includes('crm:write')),
    "   the editor's update reached it with crm:write", all);
  report.check(accepted.filter((l) => l.token.sub === reader.name).every((l) => !l.token.scope.split(' ').includes('crm:write')),
    "   the reader's tokens never carried crm:write", all);
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await context.close();
  await browser.close();
  await stopAndJudge('mcpgate demo', demo, () => log);
}
report.finish();

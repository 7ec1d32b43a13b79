// The README's walkthrough in a real browser, the way a newcomer does it: `mcpgate demo`, then
// `node examples/crm/demo_client.mjs URL`, then the URL it prints opened in headless Chromium
// (playwright-core): sign in as alice, approve mcp:read; the client reads a customer, is refused an
// update (403 insufficient_scope), prints a second URL for mcp:write, the user approves that too,
// and the update succeeds. The login and consent pages are the ones the gateway itself serves, so
// this pins the bug where the gateway's Host/Origin guard refused the login form's POST: the pages
// send Referrer-Policy: no-referrer, so a browser sends `Origin: null` with it (Fetch standard,
// "append a request Origin header"). Screenshots of the login, consent and step-up consent pages
// are saved under build/artifacts/. Then the reader: bob, asking for mcp:read mcp:write, sees on the
// consent page that mcp:write is not available to his account (demo-reader-consent.png).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Report, freePort, gatewayBin, root, stopAndJudge, tempDir } from './lib.mjs';

const report = new Report('demo browser');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) {
  report.check(false, `SKIPPED: no Chromium at ${chromiumPath} (install Debian's chromium: scripts/setup)`);
  report.finish();
}
const { chromium } = await import('playwright-core');
const artifacts = join(root, 'build/artifacts');
mkdirSync(artifacts, { recursive: true });

const port = await freePort();
const demo = spawn(gatewayBin, ['demo', '--listen', `127.0.0.1:${port}`, '--data-dir', join(tempDir(), 'demo')],
  { stdio: ['ignore', 'pipe', 'pipe'] });
let banner = '';
let log = '';
demo.stdout.on('data', (d) => { banner += d; });
demo.stderr.on('data', (d) => { log += d; });
const until = Date.now() + 15000;
while (!log.includes('listening on port') && Date.now() < until && demo.exitCode === null) await new Promise((r) => setTimeout(r, 50));
// The command the demo prints is the one we run, as the README says.
const command = banner.match(/node (examples\/crm\/demo_client\.mjs) (http:\/\/\S+\/mcp)/);
report.check(command !== null, 'mcpgate demo prints the client command to run', banner + log);

const context = await chromium.launchPersistentContext(tempDir(), {
  executablePath: chromiumPath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
// What the browser sent with each form POST, to show which Origin the gateway had to accept.
const formOrigins = [];
context.on('request', (r) => { if (r.method() === 'POST') formOrigins.push(r.headers().origin); });

let client;
try {
  const [, script, url] = command ?? [null, 'examples/crm/demo_client.mjs', `http://127.0.0.1:${port}/mcp`];
  client = spawn(process.execPath, [script, url], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise((r) => client.on('exit', (c) => r(c)));
  client.stdout.on('data', (d) => { out += d; });
  client.stderr.on('data', (d) => { out += d; });
  // The n-th authorization URL the client prints (an indented line after "Open this URL").
  const nthUrl = async (n) => {
    for (;;) {
      const urls = [...out.matchAll(/^\s+(http:\/\/\S+\/authorize\?\S+)$/gm)].map((m) => m[1]);
      if (urls.length > n) return urls[n];
      const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 50))]);
      if (done) throw new Error(`the client exited before printing authorization URL ${n + 1}:\n${out}`);
    }
  };
  const page = await context.newPage();
  page.setDefaultTimeout(15000);

  // First authorization: the login page, then the consent page for mcp:read.
  await page.goto(await nthUrl(0));
  report.check(await page.locator('input[name=password]').count() === 1, 'the printed URL opens the login page');
  await page.screenshot({ path: join(artifacts, 'demo-login.png'), fullPage: true });
  await page.fill('#username', 'alice');
  await page.fill('#password', 'alice-demo-password');
  const signIn = page.waitForResponse((r) => r.request().method() === 'POST');
  await page.click('button[type=submit]');
  const signedIn = await signIn;
  report.check(signedIn.status() === 200, 'signing in through the gateway is accepted (no "Host or Origin not allowed")',
    `${signedIn.status()} ${await signedIn.text().catch(() => '')}`);
  await page.waitForSelector('#client-name');
  report.check((await page.textContent('#client-name')) === 'mcpgate demo client', 'the consent page names the demo client');
  const scopes = await page.locator('#scopes li').allTextContents();
  report.check(scopes.join(' ') === 'mcp:read', 'the first consent asks for mcp:read only', scopes.join(','));
  await page.screenshot({ path: join(artifacts, 'demo-consent.png'), fullPage: true });
  await Promise.all([page.waitForURL(/\/callback\?/), page.click('button[value=approve]')]);
  report.check((await page.textContent('body')).includes('Signed in.'), "the browser lands on the client's loopback callback");

  // Step-up: the client asks for mcp:write; the browser still has its session, so consent only.
  await page.goto(await nthUrl(1));
  if (await page.locator('input[name=password]').count()) {
    await page.fill('#username', 'alice');
    await page.fill('#password', 'alice-demo-password');
    await page.click('button[type=submit]');
  }
  await page.waitForSelector('#client-name');
  const stepUp = await page.locator('#scopes li').allTextContents();
  report.check(stepUp.includes('mcp:write'), 'the step-up consent asks for mcp:write', stepUp.join(','));
  await page.screenshot({ path: join(artifacts, 'demo-step-up-consent.png'), fullPage: true });
  await Promise.all([page.waitForURL(/\/callback\?/), page.click('button[value=approve]')]);

  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30000))]);
  report.check(code === 0, 'the example client finishes', `${code}\n${out}`);
  report.check(/Tools this token may use: .*get_customer/.test(out) && !/Tools this token may use: .*update_customer/.test(out),
    'with mcp:read it sees the read tools only', out);
  report.check(/get_customer 1 → .*Ada Lovelace/.test(out), 'it reads a customer', out);
  report.check(/update_customer was refused \(403 .*insufficient_scope/.test(out), 'the update is refused: 403 insufficient_scope', out);
  report.check(/update_customer 1 → Updated customer 1/.test(out), 'after the step-up consent the update succeeds', out);
  report.check(formOrigins.length >= 3 && formOrigins.every((o) => o === 'null'),
    'the browser sent Origin: null with every form POST (Referrer-Policy: no-referrer)', formOrigins.join(','));

  // The reader's consent page: a client asking for mcp:write on bob's behalf is told, before he
  // approves, that it will get mcp:read only.
  const origin = new URL(url).origin;
  const reg = await fetch(`${origin}/register`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'reader check', redirect_uris: ['http://127.0.0.1:3000/callback'], token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'], response_types: ['code'], application_type: 'native' }) }).then((r) => r.json());
  const q = new URLSearchParams({ response_type: 'code', client_id: reg.client_id, redirect_uri: 'http://127.0.0.1:3000/callback',
    state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', resource: url,
    scope: 'mcp:read mcp:write', prompt: 'login' });
  await page.goto(`${origin}/authorize?${q}`);
  await page.fill('#username', 'bob');
  await page.fill('#password', 'bob-demo-password');
  await page.click('button[type=submit]');
  await page.waitForSelector('#withheld');
  const granted = await page.locator('#scopes li').allTextContents();
  const withheld = await page.locator('#withheld li').allTextContents();
  report.check(granted.join(' ') === 'mcp:read' && withheld.join(' ') === 'mcp:write',
    "the reader's consent page grants mcp:read and says mcp:write is not available", `${granted} / ${withheld}`);
  await page.screenshot({ path: join(artifacts, 'demo-reader-consent.png'), fullPage: true });
  for (const f of ['demo-login.png', 'demo-consent.png', 'demo-step-up-consent.png', 'demo-reader-consent.png'])
    report.check(existsSync(join(artifacts, f)), `screenshot saved to build/artifacts/${f}`);
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  client?.kill();
  await context.close();
  await stopAndJudge('mcpgate demo', demo, () => log);
}
report.finish();

// The login and consent pages in a real browser (headless Chromium through playwright-core): a
// user signs in, sees the consent page with the client's name and the scopes, approves, and the
// client's loopback redirect receives a code that redeems. The consent page is saved as
// build/artifacts/consent.png.
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { root, freePort, Report } from './lib.mjs';
import { startAs, pkce, authorizeUrl, tokenRequest } from './authserver_helpers.mjs';

const report = new Report('authserver browser');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) {
  report.check(false, `SKIPPED: no Chromium at ${chromiumPath} (install Debian's chromium: scripts/setup)`);
  report.finish();
}
const { chromium } = await import('playwright-core');

const as = await startAs();
const clientPort = await freePort();
let received = null;
const client = http.createServer((req, res) => {
  const url = new URL(req.url, `http://127.0.0.1:${clientPort}`);
  if (url.pathname === '/callback') received = url;
  res.end('<html><body>client got the response</body></html>');
});
await new Promise((r) => client.listen(clientPort, '127.0.0.1', r));

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  const { verifier, challenge } = pkce();
  const redirectUri = `http://127.0.0.1:${clientPort}/callback`;
  await page.goto(authorizeUrl(as, { redirectUri, challenge, scope: 'mcp:read mcp:write', state: 'browser-state' }));
  report.check(await page.locator('input[name=password]').count() === 1, 'login page shows a password field');
  await page.fill('#username', 'alice');
  await page.fill('#password', 'alice-password');
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  await page.waitForSelector('#client-name');
  const name = await page.textContent('#client-name');
  report.check(name === 'Test Public Client', 'consent page names the client', name);
  const scopes = await page.locator('#scopes li').allTextContents();
  report.check(scopes.includes('mcp:read') && scopes.includes('mcp:write'), 'consent page lists the scopes', scopes.join(','));
  report.check((await page.textContent('#redirect-host')) === `127.0.0.1:${clientPort}`, 'consent page shows the redirect host');
  report.check((await page.textContent('#resource')) === as.resource, 'consent page shows the resource');
  const artifacts = join(root, 'build/artifacts');
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'consent.png'), fullPage: true });
  report.check(existsSync(join(artifacts, 'consent.png')), 'screenshot saved to build/artifacts/consent.png');
  await Promise.all([page.waitForURL(`${redirectUri}**`), page.click('button[value=approve]')]);
  report.check(received !== null, 'the client received the redirect');
  report.check(received?.searchParams.get('state') === 'browser-state', 'state is returned');
  report.check(received?.searchParams.get('iss') === as.issuer, 'iss is returned (RFC 9207)');
  const code = received?.searchParams.get('code');
  const t = await tokenRequest(as, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier,
    client_id: 'test-public', resource: as.resource });
  report.check(t.status === 200 && typeof t.json?.access_token === 'string', 'the code redeems for a token', JSON.stringify(t.json));
} catch (e) {
  report.check(false, 'browser flow', e.stack);
} finally {
  await browser.close();
  client.close();
  await as.stop();
}
report.finish();

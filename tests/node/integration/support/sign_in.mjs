// What the client-side tests share: a loopback "handover" that receives the sign-in URLs a client
// opens through browser_handover.mjs, and a sign-in in headless Chromium at the embedded
// authorization server's own login and consent pages.
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { root, stopAndJudge } from '../lib.mjs';

export const browserScript = join(root, 'tests/node/integration/support/browser_handover.mjs');

// Every URL handed over, in order; next() waits for the next one (or rejects when `deadline`
// passes: a client that never opens the browser must not hang the test).
export async function startHandover() {
  const urls = [];
  let waiters = [];
  let seen = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      urls.push(body);
      res.end('ok');
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const sink = `http://127.0.0.1:${server.address().port}/`;
  return {
    sink,
    urls,
    async next(ms = 20000) {
      const until = Date.now() + ms;
      while (urls.length <= seen) {
        const left = until - Date.now();
        if (left <= 0) throw new Error('no sign-in URL was handed to the browser');
        await new Promise((r) => { const t = setTimeout(r, left); waiters.push(() => { clearTimeout(t); r(); }); });
      }
      return urls[seen++];
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

export async function launchChromium() {
  const path = process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(path)) return null;
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: path,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// Opens `url` in `page`, signs in when the login page shows (a browser that signed in before keeps
// its session cookie: then only consent is asked), approves every scope asked, and returns the URL
// the browser was sent back to (the client's redirect URI). The page is reused for the next sign-in
// rather than closed: closing a page that has just been sent to a loopback listener sometimes took
// Chromium a minute on a loaded machine.
export async function signIn(page, url, { username, password }) {
  const trace = process.env.TRACE_SIGNIN ? (w) => console.error(`# signIn ${Date.now() % 100000} ${w}`) : () => {};
  page.setDefaultTimeout(15000);
  const asOrigin = new URL(url).origin;
  await page.goto(url);
  trace('goto');
  const loggedIn = (await page.locator('input[name=password]').count()) > 0;
  if (loggedIn) {
    await page.fill('#username', username);
    await page.fill('#password', password);
    await Promise.all([page.waitForSelector('#client-name'), page.click('button[type=submit]')]);
    trace('login');
  }
  const scopes = await page.locator('#scopes li').allTextContents();
  await Promise.all([page.waitForURL((u) => u.origin !== asOrigin, { waitUntil: 'commit' }), page.click('button[value=approve]')]);
  trace('approved');
  return { back: page.url(), scopes, loggedIn };
}

// `mcpgate demo` on a free port with a fresh data directory; the users and passwords are read from
// what it prints ("Users:  name / password   name / password").
export async function startDemo(gatewayBin, port, dataDir) {
  const { spawn } = await import('node:child_process');
  const proc = spawn(gatewayBin, ['demo', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let banner = '';
  let log = '';
  proc.stdout.on('data', (d) => { banner += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const until = Date.now() + 15000;
  while (!log.includes('listening on port')) {
    if (Date.now() > until || proc.exitCode !== null) throw new Error(`mcpgate demo did not start:\n${banner}${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // The Users: line and the lines under it, up to the next "Label:" line or a blank one.
  const lines = banner.slice(banner.indexOf('Users:') + 'Users:'.length).split('\n');
  const end = lines.findIndex((l, i) => i > 0 && (!l.trim() || /^\s*[A-Z][A-Za-z ]*:\s/.test(l)));
  const block = banner.includes('Users:') ? lines.slice(0, end < 0 ? lines.length : end).join('\n') : '';
  const users = [...block.matchAll(/(\S+) \/ (\S+)/g)].map((m) => ({ username: m[1], password: m[2] }));
  return {
    url: banner.match(/MCP endpoint:\s*(http:\/\/\S+)/)?.[1] ?? `http://127.0.0.1:${port}/mcp`,
    users,
    banner,
    audit: join(dataDir, 'audit.jsonl'),
    kill: () => proc.kill('SIGKILL'),
    stop: () => stopAndJudge(`mcpgate demo on port ${port}`, proc, () => log),
  };
}

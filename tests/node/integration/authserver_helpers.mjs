// Helpers for the authorization server tests: start authserver_testd (the embedded AS alone on
// 127.0.0.1), and a tiny browser stand-in that keeps one cookie and submits the login and
// consent forms with the CSRF token scraped from each page, exactly as a user's browser would.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { root, freePort } from './lib.mjs';
import { scratchDir } from './support/scratch.mjs';

export const asBin = process.env.MCPGATE_AS_BIN ?? join(root, 'build/release/tests/authserver/authserver_testd');

export async function startAs({ port, db, args = [] } = {}) {
  port ??= await freePort();
  db ??= join(scratchDir('mcpgate-as-'), 'as.db');
  const proc = spawn(asBin, ['--db', db, '--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => { out += d.toString(); });
  proc.stderr.on('data', (d) => { err += d.toString(); });
  const deadline = Date.now() + 10000;
  while (!out.includes('READY')) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`authserver_testd did not start:\n${err}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const issuer = `http://127.0.0.1:${port}`;
  return {
    port, db, proc, issuer, resource: `${issuer}/mcp`,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode !== null || proc.signalCode) return;
      proc.kill(signal);
      await new Promise((r) => (proc.exitCode !== null || proc.signalCode ? r() : proc.on('exit', r)));
    },
  };
}

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export function scrape(html, name) {
  const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  return m ? m[1].replace(/&amp;/g, '&') : '';
}

// One browser: a cookie jar of one cookie, redirects not followed.
export class Agent {
  constructor() { this.cookie = ''; }
  async request(url, init = {}) {
    const headers = { ...(init.headers ?? {}) };
    if (this.cookie) headers.cookie = this.cookie;
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    const sc = res.headers.get('set-cookie');
    if (sc) this.cookie = sc.split(';')[0];
    const body = await res.text();
    return { status: res.status, headers: res.headers, body, location: res.headers.get('location') };
  }
  get(url) { return this.request(url); }
  postForm(url, fields) {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
  // Opens the authorization URL, signs in and approves; returns the redirect back to the client.
  async authorize(authUrl, { username = 'alice', password = 'alice-password', decision = 'approve' } = {}) {
    const origin = new URL(authUrl).origin;
    let page = await this.get(authUrl);
    if (page.status === 302) return page.location;
    if (page.status !== 200) throw new Error(`authorization page: HTTP ${page.status}: ${page.body.slice(0, 300)}`);
    if (page.body.includes('name="password"')) {
      page = await this.postForm(`${origin}/authorize/login`, {
        request_id: scrape(page.body, 'request_id'), csrf_token: scrape(page.body, 'csrf_token'), username, password,
      });
      if (page.status === 303) return page.location;
      if (page.status !== 200) throw new Error(`login: HTTP ${page.status}`);
    }
    const done = await this.postForm(`${origin}/authorize/consent`, {
      request_id: scrape(page.body, 'request_id'), csrf_token: scrape(page.body, 'csrf_token'), decision,
    });
    if (done.status !== 303) throw new Error(`consent: HTTP ${done.status}`);
    return done.location;
  }
}

export function authorizeUrl(as, { clientId = 'test-public', redirectUri = 'http://127.0.0.1:3000/callback', scope = 'mcp:read', state = 'xyz', challenge, resource } = {}) {
  const p = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, state,
    code_challenge: challenge, code_challenge_method: 'S256', resource: resource ?? as.resource, scope,
  });
  return `${as.issuer}/authorize?${p}`;
}

export async function tokenRequest(as, fields, headers = {}) {
  const res = await fetch(`${as.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  let json = null;
  try { json = await res.json(); } catch { /* not JSON */ }
  return { status: res.status, json, headers: res.headers };
}

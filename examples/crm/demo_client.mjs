// An MCP client that does the whole authorization flow against `mcpgate demo`, using the
// TypeScript SDK (installed by scripts/setup under tests/node). Usage:
//   node examples/crm/demo_client.mjs http://127.0.0.1:8080/mcp
// It registers itself (Dynamic Client Registration), prints a URL to open in a browser, waits on
// a loopback redirect for the code, then lists tools, reads a customer, and when an update is
// refused for missing scope (403 insufficient_scope) asks for the added scope and retries.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

const sdk = new URL('../../tests/node/node_modules/@modelcontextprotocol/sdk/dist/esm/', import.meta.url);
const { Client } = await import(new URL('client/index.js', sdk));
const { StreamableHTTPClientTransport } = await import(new URL('client/streamableHttp.js', sdk));
const { auth, UnauthorizedError } = await import(new URL('client/auth.js', sdk));

const server = new URL(process.argv[2] ?? 'http://127.0.0.1:8080/mcp');

// The redirect lands here; each authorization waits for its code.
let waiting = null;
const callback = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  res.setHeader('content-type', 'text/plain');
  res.end(url.searchParams.get('code') ? 'Signed in. You can close this tab.\n' : `Authorization failed: ${url.searchParams.get('error')}\n`);
  waiting?.(url);
});
await new Promise((r) => callback.listen(0, '127.0.0.1', r));
const redirectUrl = `http://127.0.0.1:${callback.address().port}/callback`;

const provider = {
  get redirectUrl() { return redirectUrl; },
  get clientMetadata() {
    return { client_name: 'mcpgate demo client', redirect_uris: [redirectUrl], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none' };
  },
  state: () => randomBytes(16).toString('hex'),
  clientInformation() { return this.client; },
  saveClientInformation(c) { this.client = c; },
  tokens() { return this.saved; },
  saveTokens(t) { this.saved = t; },
  saveCodeVerifier(v) { this.verifier = v; },
  codeVerifier() { return this.verifier; },
  async redirectToAuthorization(url) {
    console.log(`\nOpen this URL in a browser, sign in (alice / alice-demo-password) and approve:\n\n  ${url}\n`);
    const back = await new Promise((r) => { waiting = r; });
    this.code = back.searchParams.get('code');
    if (!this.code) throw new Error(`authorization failed: ${back.searchParams.get('error')}`);
  },
};

// The challenge of the last refusal (403), to say why a call was refused: the SDK's error only
// carries the status.
let lastChallenge = '';
const fetchAndKeepChallenge = async (url, init) => {
  const res = await fetch(url, init);
  if (res.status === 403) lastChallenge = res.headers.get('www-authenticate') ?? '';
  return res;
};

async function connect() {
  for (;;) {
    const transport = new StreamableHTTPClientTransport(server, { authProvider: provider, fetch: fetchAndKeepChallenge });
    const client = new Client({ name: 'mcpgate-demo-client', version: '1.0.0' });
    try {
      await client.connect(transport);
      return client;
    } catch (e) {
      if (!(e instanceof UnauthorizedError)) throw e;
      await transport.finishAuth(provider.code);
    }
  }
}

try {
  let client = await connect();
  const tools = (await client.listTools()).tools.map((t) => t.name);
  console.log('Tools this token may use:', tools.join(', '));
  const customer = await client.callTool({ name: 'get_customer', arguments: { id: '1' } });
  console.log('get_customer 1 →', customer.content[0].text);
  try {
    await client.callTool({ name: 'update_customer', arguments: { id: '1', notes: 'Called on Monday.' } });
  } catch (e) {
    const reason = lastChallenge.match(/error="([^"]*)"/)?.[1];
    const needs = lastChallenge.match(/scope="([^"]*)"/)?.[1];
    const why = reason ? `${reason}${needs ? `, needs scope "${needs}"` : ''}` : e.message.slice(0, 120);
    console.log(`update_customer was refused (${e.code ?? ''} ${why}); asking for mcp:write as well…`);
    provider.saved = undefined;
    await auth(provider, { serverUrl: server, scope: 'mcp:read mcp:write' });
    await auth(provider, { serverUrl: server, authorizationCode: provider.code });
    client = await connect();
    const updated = await client.callTool({ name: 'update_customer', arguments: { id: '1', notes: 'Called on Monday.' } });
    console.log('update_customer 1 →', updated.content[0].text);
  }
  await client.close();
} finally {
  callback.closeAllConnections();
  callback.close();
}
process.exit(0);  // pooled keep-alive connections would otherwise keep a finished CLI waiting

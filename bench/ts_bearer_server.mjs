// The TypeScript SDK doing the gateway's job of bench/auth (f): an Express app with the SDK's
// requireBearerAuth in front of a stateless Streamable HTTP McpServer that has one tool,
// test_simple_text, answering the same fixed text as everything_server. The verifier checks each
// token with jose (ES256 against the same JWKS the gateway uses; issuer, audience, exp), as the
// SDK leaves verification to the application. Stateless as the SDK documents it: a new McpServer
// and transport per request, JSON responses.
//
//   node bench/ts_bearer_server.mjs --port P --jwks FILE --issuer ISS --audience AUD [--scope S]
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i > 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (dflt === undefined) { console.error(`ts_bearer_server: --${name} is required`); process.exit(2); }
  return dflt;
};
const port = Number(arg('port'));
const jwks = JSON.parse(readFileSync(arg('jwks'), 'utf8'));
const issuer = arg('issuer');
const audience = arg('audience');
const scope = arg('scope', 'mcp:read');

// Resolve the packages from tests/node, where the SDK and its dependencies are installed.
const require = createRequire(new URL('../tests/node/package.json', import.meta.url));
const load = (spec) => import(pathToFileURL(require.resolve(spec)).href);
const { default: express } = await load('express');
const { createLocalJWKSet, jwtVerify } = await load('jose');
const { McpServer } = await load('@modelcontextprotocol/sdk/server/mcp.js');
const { StreamableHTTPServerTransport } = await load('@modelcontextprotocol/sdk/server/streamableHttp.js');
const { requireBearerAuth } = await load('@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js');
const { InvalidTokenError } = await load('@modelcontextprotocol/sdk/server/auth/errors.js');

const keys = createLocalJWKSet(jwks);
const verifier = {
  async verifyAccessToken(token) {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, { issuer, audience, algorithms: ['ES256'] }));
    } catch (e) {
      throw new InvalidTokenError(e.code ?? 'invalid token');  // a 401 with a challenge, not a 500
    }
    return {
      token,
      clientId: String(payload.client_id ?? payload.sub ?? ''),
      scopes: typeof payload.scope === 'string' ? payload.scope.split(' ') : [],
      expiresAt: payload.exp,
      resource: new URL(audience),
    };
  },
};

function buildServer() {
  const server = new McpServer({ name: 'ts-bearer-bench', version: '0.1.0' });
  server.registerTool('test_simple_text', { description: 'Tests simple text content response' }, async () => ({
    content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
  }));
  return server;
}

const app = express();
app.use(express.json());
app.post('/mcp', requireBearerAuth({ verifier, requiredScopes: [scope] }), async (req, res) => {
  const server = buildServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => { transport.close(); server.close(); });
  try {
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  } catch (e) {
    if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: String(e) }, id: null });
  }
});
app.listen(port, '127.0.0.1', () => console.error(`ts_bearer_server listening on http://127.0.0.1:${port}/mcp`));

// oidc-provider (panva) as a stand-alone token endpoint for bench/isolation: the same set-up as
// the interop test (tests/node/integration/support/oidc_provider.mjs), with one client_credentials
// client and one resource whose tokens are ES256 JWTs, so that both servers do the same work per
// token (client authentication, an ES256 signature, a JSON answer).
//   node bench/oidc_provider_server.mjs CLIENT_ID SECRET RESOURCE
// prints "token_endpoint URL" once it listens, then serves until killed.
import { startOidcProvider } from '../tests/node/integration/support/oidc_provider.mjs';

const [id, secret, resource] = process.argv.slice(2);
if (!id || !secret || !resource) {
  console.error('usage: node bench/oidc_provider_server.mjs CLIENT_ID SECRET RESOURCE');
  process.exit(2);
}
const op = await startOidcProvider({
  resources: new Map([[resource, { format: 'jwt', alg: 'ES256' }]]),
  clients: [{ client_id: id, client_secret: secret, grant_types: ['client_credentials'], redirect_uris: [],
    response_types: [], scope: 'mcp:read' }],
});
op.hits.length = 0;
op.hits.push = () => 0;  // the request log would grow without bound under a flood
console.log(`token_endpoint ${op.meta.token_endpoint}`);
process.on('SIGTERM', async () => { await op.stop(); process.exit(0); });

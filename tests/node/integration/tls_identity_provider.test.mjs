// A real identity provider over https: oidc-provider serves its own TLS with a certificate from a
// throw-away CA made by openssl at test time. The gateway finds its keys through metadata
// discovery over https (trusting that CA through `tls.ca_file`) and checks opaque tokens by
// introspection over https. Certificates with one defect each — another host name, expired, from
// an unknown CA — are refused with the reason named (mcpgate check-config --probe), and when the
// identity provider's certificate goes bad the keys fetched before stay in service.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, createSign, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report, gatewayBin, root, startGateway } from './lib.mjs';
import { startOidcProvider } from './support/oidc_provider.mjs';
import { probe, stopWithin, wwwAuthenticate } from './support/mcp_client.mjs';
import { makeCa } from './support/test_ca.mjs';

const everything = join(root, 'tests/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const report = new Report('tls-identity-provider');
const ca = makeCa('mcpgate test CA');
const stranger = makeCa('unknown CA', ca.dir);
const good = ca.issue('idp');
const wrongName = ca.issue('wrong-name', { sans: ['DNS:wrong.example'] });
const expired = ca.issue('expired', { days: -1 });
const unknown = stranger.issue('unknown-ca');

const AGENT = { id: 'agent', secret: 'agent-secret-1' };
const GATEWAY = { id: 'mcpgate', secret: 'gateway-secret-1' };
const resources = new Map();
const op = await startOidcProvider({
  resources,
  tls: { key: good.key, cert: good.cert, ca: ca.pem },
  clients: [
    { client_id: AGENT.id, client_secret: AGENT.secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'mcp:read mcp:write' },
    { client_id: GATEWAY.id, client_secret: GATEWAY.secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
  ],
});
let tlsRefusals = 0;  // handshakes the gateway broke off (it did not trust what it was shown)
op.server.on('tlsClientError', () => { tlsRefusals++; });
const swapCertificate = (leaf) => op.server.setSecureContext({ key: leaf.key, cert: leaf.cert });
const tlsBlock = `tls: { ca_file: ${ca.certFile} }`;
const upstream = `upstreams:\n      - name: everything\n        stdio: { command: ["${process.execPath}", "${everything}", "stdio"] }`;

// `mcpgate check-config --probe` on a configuration naming this issuer.
function runProbe(yaml) {
  const file = join(ca.dir, `probe-${randomUUID()}.yaml`);
  writeFileSync(file, yaml);
  return new Promise((resolve) => {
    execFile(gatewayBin, ['check-config', '--probe', file], (err, stdout, stderr) =>
      resolve({ code: err ? err.code : 0, out: stdout + stderr }));
  });
}
const probeConfig = (extra = tlsBlock) => `listen: 127.0.0.1:1
servers:
  - name: jwt
    path: /jwt
    auth:
      issuers: [{ issuer: ${op.issuer}, algorithms: [ES256], ${extra} }]
    ${upstream}
`;

let gw = null;
try {
  report.check(op.issuer.startsWith('https://localhost:') && op.meta.jwks_uri.startsWith('https://'),
    'oidc-provider serves its metadata over https with the test CA', op.meta.jwks_uri);
  gw = await startGateway(`servers:
  - name: jwt
    path: /jwt
    auth:
      required_scopes: [mcp:read]
      # Keys through the issuer's metadata, over https, trusting the test CA only for this issuer.
      issuers: [{ issuer: ${op.issuer}, algorithms: [ES256], jwks_min_refetch_seconds: 0, ${tlsBlock} }]
    ${upstream}
  - name: opaque
    path: /opaque
    auth:
      required_scopes: [mcp:read]
      introspection: { endpoint: ${op.meta.introspection_endpoint}, client_id: ${GATEWAY.id}, client_secret: ${GATEWAY.secret}, issuer: ${op.issuer}, ${tlsBlock} }
      token_cache: { max_ttl_seconds: 0 }
    ${upstream}
`);
  const P = gw.port;
  const RES = (path) => `http://127.0.0.1:${P}${path}`;
  resources.set(RES('/jwt'), { format: 'jwt', alg: 'ES256' });
  resources.set(RES('/opaque'), { format: 'opaque' });

  // (1) Discovery and keys over https.
  const jwt = await op.token(AGENT.id, AGENT.secret, { resource: RES('/jwt') });
  let r = await probe(P, '/jwt', jwt);
  report.check(r.status === 404, 'a JWT from the https issuer is accepted (keys found by discovery over https)', `${r.status} ${wwwAuthenticate(r)}`);
  report.check(op.hits.some((h) => h.startsWith('GET /.well-known/')) && op.hits.includes('GET /jwks'),
    'the gateway fetched the metadata and the jwks_uri over https', op.hits.join(' | '));

  // (2) Introspection over https.
  const opaque = await op.token(AGENT.id, AGENT.secret, { resource: RES('/opaque') });
  r = await probe(P, '/opaque', opaque);
  report.check(r.status === 404, 'an opaque token is accepted through introspection over https', `${r.status} ${wwwAuthenticate(r)}`);

  // (3) The probe with the right CA: every key source works.
  let pr = await runProbe(probeConfig());
  report.check(pr.code === 0 && /^ok +keys https:\/\/localhost:\d+ \(metadata discovery\): \d+ usable keys/m.test(pr.out),
    'check-config --probe: the https key source works with the configured CA', pr.out);
  // Without the CA file the system store does not know the test CA.
  pr = await runProbe(probeConfig('jwks_min_refetch_seconds: 30'));
  report.check(pr.code === 1 && /^FAIL keys https:\/\/localhost:\d+ .*unknown certificate authority/m.test(pr.out),
    'check-config --probe: without ca_file the private CA is an unknown certificate authority', pr.out);

  // (4) Each defect refused with its reason named, and the URL.
  for (const [leaf, reason, what] of [[wrongName, 'certificate name mismatch', 'a wrong-hostname'],
    [expired, 'certificate expired', 'an expired'], [unknown, 'unknown certificate authority', "an unknown CA's"]]) {
    swapCertificate(leaf);
    pr = await runProbe(probeConfig());
    const line = pr.out.split('\n').find((l) => l.startsWith('FAIL keys')) ?? '';
    report.check(pr.code === 1 && line.includes(reason) && line.includes(`${op.issuer}/.well-known/`),
      `${what} certificate is refused: "${reason}", naming the URL`, pr.out);
  }

  // (5) The identity provider's certificate goes bad (expired): a token with an unseen kid makes
  // the gateway refetch, the handshake is refused, and the keys it had stay in service.
  const fresh = await op.token(AGENT.id, AGENT.secret, { resource: RES('/jwt') });  // before the swap: our own client checks the CA too
  swapCertificate(expired);
  const before = { refusals: tlsRefusals, jwks: op.hits.filter((h) => h === 'GET /jwks').length };
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'ES256', typ: 'at+jwt', kid: 'rotated-key' })}.${b64({ iss: op.issuer, aud: RES('/jwt'), sub: 'x', client_id: 'x', scope: 'mcp:read', iat: now, exp: now + 300, jti: randomUUID() })}`;
  const sig = createSign('SHA256').update(input).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  r = await probe(P, '/jwt', `${input}.${sig}`);
  report.check(r.status === 401 && wwwAuthenticate(r).includes('invalid_token'), 'a token with an unknown kid → 401 (the refetch cannot succeed)', `${r.status} ${wwwAuthenticate(r)}`);
  report.check(tlsRefusals > before.refusals && op.hits.filter((h) => h === 'GET /jwks').length === before.jwks,
    'the refetch reached the server and broke off the handshake on the expired certificate (no key set was read)',
    `refusals ${before.refusals} → ${tlsRefusals}`);
  r = await probe(P, '/jwt', fresh);
  report.check(r.status === 404, 'a new, valid token is still accepted with the last good keys', `${r.status} ${wwwAuthenticate(r)}`);
  swapCertificate(good);
} catch (e) {
  report.check(false, 'test ran to the end', `${e.stack}\n${gw?.log() ?? ''}`);
} finally {
  await stopWithin(gw);
  await op.stop();
}
report.finish();

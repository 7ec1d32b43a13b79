// An upstream that is itself a protected MCP server: here a second mcpgate with its own embedded
// authorization server. The first gateway finds that server the way an MCP client does (MCP
// authorization, "Authorization Server Discovery": the upstream's Protected Resource Metadata,
// RFC 9728, then the server's RFC 8414 metadata) and presents a token of its own for it
// (client_credentials, with the upstream's URL as `resource`), never the caller's.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report, gatewayBin, raw, root, startGateway, tempDir } from './lib.mjs';

const report = new Report('protected-upstream');
const dir = tempDir();
const storage = `sqlite:${join(dir, 'b.db')}`;
const auditB = join(dir, 'audit-b.jsonl');
const everything = join(root, 'build/release/examples/everything/everything_server');
const secret = 'gateway-a-secret-0123456789';
const added = spawnSync(gatewayBin, ['clients', 'add', 'gateway-a', '--grant', 'client_credentials', '--auth-method', 'client_secret_basic',
  '--secret-stdin', '--scope', 'mcp:read', '--storage', storage], { input: `${secret}\n`, encoding: 'utf8' });
report.check(added.status === 0, 'a client for the first gateway at the second one\'s authorization server', added.stderr);

// A second client of the inner gateway that proves itself with a signed assertion (RFC 7523
// private_key_jwt) instead of a secret.
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyFile = join(dir, 'gateway-a-key.pem');
writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
const jwksFile = join(dir, 'gateway-a-jwks.json');
writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'a1', alg: 'ES256', use: 'sig' }] }));
const addedJwt = spawnSync(gatewayBin, ['clients', 'add', 'gateway-a-jwt', '--grant', 'client_credentials', '--auth-method', 'private_key_jwt',
  '--jwks-file', jwksFile, '--scope', 'mcp:read', '--storage', storage], { encoding: 'utf8' });
report.check(addedJwt.status === 0, 'a private_key_jwt client for the first gateway', addedJwt.stderr);

const b = await startGateway(`audit_log: ${auditB}
authorization_server: { storage: "${storage}" }
servers:
  - name: inner
    path: /mcp
    auth: { scopes_supported: [mcp:read] }
    upstreams:
      - name: everything
        stdio: { command: ["${everything}", "--stdio"] }
`);
process.env.MCPGATE_TEST_GATEWAY_A_SECRET = secret;
const a = await startGateway(`servers:
  - name: outer
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: inner
        http: { url: "http://127.0.0.1:${b.port}/mcp" }
        credentials:
          mode: client_credentials
          discover: true
          client_id: gateway-a
          client_secret_env: MCPGATE_TEST_GATEWAY_A_SECRET
          scopes: [mcp:read]
  - name: signed
    path: /signed
    auth: { anonymous: true }
    upstreams:
      - name: inner
        http: { url: "http://127.0.0.1:${b.port}/mcp" }
        credentials:
          mode: client_credentials
          discover: true
          client_id: gateway-a-jwt
          client_auth: private_key_jwt
          client_key_file: ${keyFile}
          client_key_id: a1
          scopes: [mcp:read]
  - name: unprotected
    path: /plain
    auth: { anonymous: true }
    upstreams:
      - name: plain
        http: { url: "http://127.0.0.1:${b.port}/nothing" }
        credentials:
          mode: client_credentials
          discover: true
          client_id: gateway-a
          client_secret_env: MCPGATE_TEST_GATEWAY_A_SECRET
`);

const call = (path, name, args) => raw(a.port, 'POST', path, { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
  'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': name },
{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } });

try {
  let r = await raw(b.port, 'POST', '/mcp', { 'Content-Type': 'application/json', Accept: 'application/json' }, { jsonrpc: '2.0', id: 1, method: 'ping' });
  report.check(r.status === 401 && /resource_metadata=/.test(r.headers['www-authenticate'] ?? ''), 'the inner gateway refuses a request without a token (401 with resource_metadata)');
  r = await call('/mcp', 'greet', { name: 'chain' });
  report.check(r.status === 200 && JSON.stringify(r.json?.result ?? {}).includes('Hello, chain!'),
    'a call through the outer gateway reaches the inner one, authorized', r.body);
  const lines = existsSync(auditB) ? readFileSync(auditB, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  report.check(lines.some((l) => l.method === 'tools/call' && l.client === 'gateway-a' && l.decision === 'allow'),
    'the inner gateway saw the outer one\'s own client (gateway-a), authorized by a token from its own server', JSON.stringify(lines.slice(-2)));
  const metrics = await (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text();
  const issued = Number(/mcpgate_upstream_tokens_total\{endpoint="outer",upstream="inner",outcome="issued"\} (\d+)/.exec(metrics)?.[1]);
  r = await call('/mcp', 'greet', { name: 'again' });
  const metrics2 = await (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text();
  const issued2 = Number(/mcpgate_upstream_tokens_total\{endpoint="outer",upstream="inner",outcome="issued"\} (\d+)/.exec(metrics2)?.[1]);
  report.check(r.status === 200 && issued === 1 && issued2 === 1, 'one token for both calls (cached)', `${issued} ${issued2}`);
  r = await call('/signed', 'greet', { name: 'signed' });
  const lines2 = readFileSync(auditB, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  report.check(r.status === 200 && JSON.stringify(r.json?.result ?? {}).includes('Hello, signed!') &&
    lines2.some((l) => l.method === 'tools/call' && l.client === 'gateway-a-jwt' && l.decision === 'allow'),
  'private_key_jwt: the outer gateway authenticates with a signed client assertion (RFC 7523)', r.body);
  r = await call('/plain', 'greet', { name: 'x' });
  report.check(r.status === 502 && /'plain' has no credentials/.test(r.json?.error?.message ?? '') && !r.body.includes(String(b.port)),
    'an upstream that publishes no metadata: 502 saying it has no credentials, without its address', r.body);
  // check-config --probe obtains each credential once, as the gateway will.
  const probe = spawnSync(gatewayBin, ['check-config', '--probe', a.file], { encoding: 'utf8', env: process.env });
  const out = probe.stdout;
  report.check(/^ok +credentials inner .*\/token: a token \(scope "mcp:read"/m.test(out) && (out.match(/^ok +credentials inner/gm) ?? []).length === 2,
    'check-config --probe: both clients of the inner server (secret and private_key_jwt) get a token', out);
  report.check(probe.status !== 0 && /^FAIL credentials plain .*protected resource metadata/m.test(out),
    'check-config --probe: the upstream without metadata fails, saying why', out);
} catch (e) {
  report.check(false, 'no exception', e.stack);
} finally {
  await a.stop();
  await b.stop();
}
report.finish();

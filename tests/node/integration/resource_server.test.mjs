// The gateway as an OAuth 2.1 resource server (MCP authorization 2025-06-18 … 2026-07-28):
// Protected Resource Metadata, challenges, audience binding, sessions bound to the principal,
// per-tool policy with step-up, filtered lists, audit records without token material.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report, raw, root, startGateway, tempDir, testIssuer } from './lib.mjs';

const everything = join(root, 'tests/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const report = new Report('resource-server');
const dir = tempDir();
const issuer = testIssuer(dir);
const other = testIssuer(dir, 'k1');  // same kid, different key: a forgery
writeFileSync(join(dir, 'jwks.json'), issuer.jwks);
const audit = join(dir, 'audit.jsonl');
const ISS = 'https://issuer.test';
const gw = await startGateway(`audit_log: ${audit}
servers:
  - name: everything
    path: /mcp
    auth:
      resource_name: Everything
      scopes_supported: [mcp:read, mcp:write]
      required_scopes: [mcp:read]
      issuers:
        - issuer: ${ISS}
          algorithms: [ES256]
          jwks_file: ${join(dir, 'jwks.json')}
    policy:
      scope_hierarchy: { "mcp:write": [mcp:read] }
      rules:
        - { id: read-tools, tools: [echo, "get-*"], scopes: [mcp:read] }
        - { id: write-tools, tools: ["trigger-*", "toggle-*"], scopes: [mcp:write] }
        - { id: resources, resources: ["demo://*"], scopes: [mcp:read] }
        - { id: prompts, prompts: ["*"], scopes: [mcp:read] }
    upstreams:
      - name: everything
        stdio: { command: ["${process.execPath}", "${everything}", "stdio"] }
`);
const P = gw.port;
const RES = `http://127.0.0.1:${P}/mcp`;
const PRM = `http://127.0.0.1:${P}/.well-known/oauth-protected-resource/mcp`;
const base = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'rs', version: '1' } } };
const claims = (extra = {}) => ({ iss: ISS, sub: 'alice', aud: RES, client_id: 'client-a', scope: 'mcp:read', ...extra });
const bearer = (t) => ({ ...base, Authorization: `Bearer ${t}` });
const wa = (r) => r.headers['www-authenticate'] ?? '';
const now = () => Math.floor(Date.now() / 1000);

try {
  const read = issuer.mint(claims());
  const write = issuer.mint(claims({ scope: 'mcp:read mcp:write' }));

  // RFC 9728 §3 and MCP authorization "Authorization Server Location".
  let r = await raw(P, 'GET', '/.well-known/oauth-protected-resource/mcp');
  report.check(r.status === 200 && r.json?.resource === RES && r.json?.authorization_servers?.[0] === ISS &&
    JSON.stringify(r.json?.scopes_supported) === '["mcp:read","mcp:write"]' && r.json?.bearer_methods_supported?.[0] === 'header' &&
    r.json?.resource_name === 'Everything', 'PRM at the path-suffixed well-known URL', r.body);
  r = await raw(P, 'GET', '/.well-known/oauth-protected-resource');
  report.check(r.status === 200 && r.json?.resource === RES, 'PRM at the root (one protected endpoint)', r.body);

  // 401s (RFC 6750 §3, MCP "Error Handling").
  r = await raw(P, 'POST', '/mcp', base, init);
  report.check(r.status === 401 && /^Bearer /.test(wa(r)) && wa(r).includes(`resource_metadata="${PRM}"`) && wa(r).includes('scope="mcp:read"') &&
    !/error=/.test(wa(r)), 'no token → 401 with resource_metadata and scope, no error code', wa(r));
  const cases = [
    ['garbage token', 'not-a-token'],
    ['forged signature (other key, same kid)', other.mint(claims())],
    ['expired', issuer.mint(claims({ exp: now() - 120, iat: now() - 600 }))],
    ['not yet valid', issuer.mint(claims({ nbf: now() + 600 }))],
    ['wrong issuer', issuer.mint(claims({ iss: 'https://evil.test' }))],
    ["another resource's audience (RFC 8707)", issuer.mint(claims({ aud: 'http://127.0.0.1:1/other' }))],
    ['unknown kid', issuer.mint(claims(), { kid: 'nope' })],
    ['alg none', 'eyJhbGciOiJub25lIn0.' + Buffer.from(JSON.stringify(claims({ exp: now() + 300 }))).toString('base64url') + '.'],
  ];
  for (const [what, token] of cases) {
    r = await raw(P, 'POST', '/mcp', bearer(token), init);
    report.check(r.status === 401 && wa(r).includes('error="invalid_token"') && wa(r).includes(`resource_metadata="${PRM}"`) &&
      !wa(r).includes(token.slice(0, 20)), `${what} → 401 invalid_token`, `${r.status} ${wa(r)}`);
  }
  r = await raw(P, 'POST', `/mcp?access_token=${read}`, base, init);
  report.check(r.status === 401 && !/error=/.test(wa(r)), 'token in the query string is never used (RFC 6750 §2.3)', String(r.status));
  r = await raw(P, 'POST', '/mcp', { ...base, Authorization: [`Bearer ${read}`, `Bearer ${read}`] }, init);
  report.check(r.status === 400 && wa(r).includes('invalid_request'), 'two Authorization headers → 400 invalid_request', `${r.status} ${wa(r)}`);
  r = await raw(P, 'POST', '/mcp', { ...base, Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, init);
  report.check(r.status === 401, 'another scheme → 401', String(r.status));
  r = await raw(P, 'POST', '/mcp', bearer(issuer.mint(claims({ scope: 'profile' }))), init);
  report.check(r.status === 403 && wa(r).includes('error="insufficient_scope"') && wa(r).includes('scope="mcp:read"'),
    'a token without the required baseline scope → 403 insufficient_scope', `${r.status} ${wa(r)}`);

  // A session belongs to who opened it.
  r = await raw(P, 'POST', '/mcp', bearer(read), init);
  const sid = r.headers['mcp-session-id'];
  report.check(r.status === 200 && sid, 'a valid token opens a session', `${r.status}`);
  const s = (t) => ({ ...bearer(t), 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' });
  r = await raw(P, 'POST', '/mcp', { ...base, 'Mcp-Session-Id': sid }, { jsonrpc: '2.0', method: 'notifications/initialized' });
  report.check(r.status === 401, 'a notification without a token → 401 (session ids never authenticate)', String(r.status));
  await raw(P, 'POST', '/mcp', s(read), { jsonrpc: '2.0', method: 'notifications/initialized' });
  const bob = issuer.mint(claims({ sub: 'bob' }));
  r = await raw(P, 'POST', '/mcp', s(bob), { jsonrpc: '2.0', id: 2, method: 'tools/list' });
  report.check(r.status === 404, "another user's token with this session id → 404 (session hijacking)", String(r.status));
  const otherClient = issuer.mint(claims({ client_id: 'client-b' }));
  r = await raw(P, 'POST', '/mcp', s(otherClient), { jsonrpc: '2.0', id: 2, method: 'tools/list' });
  report.check(r.status === 404, 'same user, another client → 404', String(r.status));
  r = await raw(P, 'GET', '/mcp', { Accept: 'text/event-stream', 'Mcp-Session-Id': sid });
  report.check(r.status === 401, 'GET without a token → 401', String(r.status));
  r = await raw(P, 'DELETE', '/mcp', { 'Mcp-Session-Id': sid, Authorization: `Bearer ${bob}` });
  report.check(r.status === 404, "DELETE with another user's token → 404, session kept", String(r.status));

  // Policy: lists filtered, calls enforced, step-up scopes.
  r = await raw(P, 'POST', '/mcp', s(read), { jsonrpc: '2.0', id: 3, method: 'tools/list' });
  const names = (r.json?.result?.tools ?? []).map((t) => t.name);
  report.check(names.includes('echo') && names.length > 0 && names.every((n) => n === 'echo' || n.startsWith('get-')),
    'tools/list shows only what mcp:read may call', names.join(','));
  r = await raw(P, 'POST', '/mcp', s(read), { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'echo', arguments: { message: 'ok' } } });
  report.check(r.status === 200 && JSON.stringify(r.json?.result).includes('ok'), 'read tool allowed', r.body.slice(0, 200));
  r = await raw(P, 'POST', '/mcp', s(read), { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'toggle-simulated-logging', arguments: {} } });
  report.check(r.status === 403 && wa(r).includes('error="insufficient_scope"') && /scope="[^"]*mcp:write/.test(wa(r)) && /scope="[^"]*mcp:read/.test(wa(r)) &&
    wa(r).includes(`resource_metadata="${PRM}"`) && r.json?.id === 5,
    'write tool with mcp:read → 403 insufficient_scope naming mcp:write and the baseline', `${r.status} ${wa(r)}`);
  r = await raw(P, 'POST', '/mcp', s(read), { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'get-env', arguments: {} } });
  report.check(r.status === 200, 'get-* allowed by pattern', String(r.status));
  r = await raw(P, 'POST', '/mcp', s(read), { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'gzip-file-as-resource', arguments: {} } });
  report.check(r.status === 403 && !wa(r), 'a tool no rule allows → 403 forbidden (default deny), no step-up challenge', `${r.status} ${wa(r)}`);

  // Modern era: same policy, lists private.
  const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
  r = await raw(P, 'POST', '/mcp', { ...bearer(read), 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/list' }, { jsonrpc: '2.0', id: 8, method: 'tools/list', params: { _meta: meta } });
  const modern = (r.json?.result?.tools ?? []).map((t) => t.name);
  report.check(r.status === 200 && r.json?.result?.cacheScope === 'private' && modern.length > 0 && modern.every((n) => n === 'echo' || n.startsWith('get-')),
    '2026-07-28 tools/list filtered and cacheScope private', r.body.slice(0, 200));
  r = await raw(P, 'POST', '/mcp', { ...bearer(read), 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'toggle-simulated-logging' },
    { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'toggle-simulated-logging', arguments: {}, _meta: meta } });
  report.check(r.status === 403 && wa(r).includes('insufficient_scope'), '2026-07-28 write tool → 403', String(r.status));

  // The TypeScript SDK: read-only token sees read tools; step-up to a token with mcp:write.
  const sdk = async (token) => {
    const c = new Client({ name: 'sdk', version: '1' });
    await c.connect(new StreamableHTTPClientTransport(new URL(RES), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    return c;
  };
  const c1 = await sdk(read);
  const sdkNames = (await c1.listTools()).tools.map((t) => t.name);
  report.check(!sdkNames.includes('toggle-simulated-logging') && sdkNames.includes('echo'), 'SDK client with mcp:read sees only read tools', sdkNames.join(','));
  let err = null;
  try { await c1.callTool({ name: 'toggle-simulated-logging', arguments: {} }); } catch (e) { err = e; }
  report.check(err && err.code === 403 && /insufficient scope/.test(String(err)), 'SDK call of a write tool is refused with 403', `${err?.code} ${err}`);
  await c1.close();
  const c2 = await sdk(write);
  const ok = await c2.callTool({ name: 'toggle-simulated-logging', arguments: {} });
  report.check(Array.isArray(ok.content), 'with the added scope the same call succeeds');
  const all = (await c2.listTools()).tools.map((t) => t.name);
  report.check(all.includes('toggle-simulated-logging') && all.includes('echo'), 'mcp:write (implies mcp:read) sees read and write tools');
  await c2.close();

  // Audit: decisions with rule and principal, never token material.
  const lines = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const denied = lines.find((l) => l.decision === 'deny' && l.target === 'toggle-simulated-logging');
  report.check(denied && denied.rule === 'write-tools' && denied.subject === 'alice' && denied.client === 'client-a' && denied.issuer === ISS,
    'audit record for the denial names rule, subject, client and issuer', JSON.stringify(denied));
  const text = readFileSync(audit, 'utf8');
  report.check(![read, write, bob].some((t) => text.includes(t) || text.includes(t.split('.')[2])), 'no token material in the audit log');
  r = await raw(P, 'GET', '/metrics');
  report.check(/mcpgate_policy_decisions_total\{decision="deny"\} [1-9]/.test(r.body) && /mcpgate_errors_total\{reason="unauthorized"\} [1-9]/.test(r.body),
    'metrics count denials and unauthorized requests');
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw.stop();
}
report.finish();

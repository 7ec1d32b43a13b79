// Downstream credentials (RFC 8693 token exchange; MCP authorization, "Token Passthrough" and
// "Access Token Privilege Restriction"): the gateway never passes a client's token to an upstream.
// Behind it sits a CRM API that verifies every token it receives (support/token_checking_upstream:
// signature through the issuer's JWKS, iss, aud = its own URL, exp) and records it. Users sign in
// at the embedded authorization server (authorization code + PKCE, as a browser would); the
// gateway exchanges their tokens for tokens whose audience is the CRM API and whose scopes the
// configuration maps from theirs (mcp:read → crm.read; mcp:write → crm.read crm.write).
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Agent, pkce, scrape } from './authserver_helpers.mjs';
import { Report, freePort, gatewayBin, raw, startGateway, tempDir } from './lib.mjs';
import { startTokenCheckingUpstream } from './support/token_checking_upstream.mjs';

const report = new Report('token-exchange');
const dir = tempDir();
const storage = `sqlite:${join(dir, 'as.db')}`;
const audit = join(dir, 'audit.jsonl');
const admin = (args, input) => spawnSync(gatewayBin, [...args, '--storage', storage], { input, encoding: 'utf8' });
for (const [user, pw] of [['alice', 'alice-password'], ['bob', 'bob-password']])
  report.check(admin(['users', 'add', user, '--password-stdin'], `${pw}\n`).status === 0, `mcpgate users add ${user}`);
const redirect = 'http://127.0.0.1:3000/callback';
report.check(admin(['clients', 'add', 'agent', '--redirect-uri', redirect]).status === 0, 'mcpgate clients add agent (public, PKCE)');

const crm = await startTokenCheckingUpstream();
// A token endpoint that refuses every exchange (an external server that does not know the target).
const refusing = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(400, { 'Content-Type': 'application/json' }); res.end('{"error":"invalid_target","error_description":"unknown audience"}'); });
});
await new Promise((r) => refusing.listen(0, '127.0.0.1', r));
const deadPort = await freePort();
process.env.MCPGATE_TEST_AS_SECRET = 'not-a-real-secret';

const exchangeTo = (extra = '') => `        credentials:
          mode: token_exchange
${extra}          scopes: { "mcp:read": [crm.read], "mcp:write": [crm.read, crm.write] }`;
const endpoint = (name, path, credentials) => `  - name: ${name}
    path: ${path}
    auth: { scopes_supported: [mcp:read, mcp:write] }
    policy:
      rules:
        - { id: reads, tools: [crm_read], scopes: [mcp:read] }
        - { id: writes, tools: [crm_update], scopes: [mcp:write] }
    upstreams:
      - name: crm-api
        http: { url: "${crm.url}" }
${credentials}
`;
const gw = await startGateway(`audit_log: ${audit}
limits: { per_principal: { tool_calls: { requests_per_second: 1000, burst: 1000 } } }
authorization_server:
  storage: ${storage}
  allow_loopback_http: true
servers:
${endpoint('crm', '/mcp', exchangeTo())}${endpoint('refused', '/refused', exchangeTo(`          token_endpoint: http://127.0.0.1:${refusing.address().port}/token
          client_id: mcpgate
          client_secret_env: MCPGATE_TEST_AS_SECRET
`))}${endpoint('unreachable', '/unreachable', exchangeTo(`          token_endpoint: http://127.0.0.1:${deadPort}/token
          client_id: mcpgate
          client_secret_env: MCPGATE_TEST_AS_SECRET
`))}`);
const origin = `http://127.0.0.1:${gw.port}`;
crm.trust(origin);

// A user's token for an endpoint, through the authorization code flow with PKCE.
async function signIn(user, scope, path = '/mcp') {
  const agent = new Agent();
  const { verifier, challenge } = pkce();
  const resource = `${origin}${path}`;
  const q = new URLSearchParams({ response_type: 'code', client_id: 'agent', redirect_uri: redirect, state: 's',
    code_challenge: challenge, code_challenge_method: 'S256', resource, scope });
  const back = await agent.authorize(`${origin}/authorize?${q}`, { username: user, password: `${user}-password` });
  const code = new URL(back).searchParams.get('code');
  const t = await fetch(`${origin}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: 'agent', code_verifier: verifier, resource }).toString() });
  const j = await t.json();
  if (!j.access_token) throw new Error(`no token for ${user}: ${JSON.stringify(j)}`);
  return j.access_token;
}

// A legacy-era client session on one endpoint.
async function session(token, path = '/mcp') {
  const h = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${token}` };
  const init = await raw(gw.port, 'POST', path, h, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
  const sh = { ...h, 'Mcp-Session-Id': init.headers['mcp-session-id'] ?? 'none', 'MCP-Protocol-Version': '2025-11-25' };
  await raw(gw.port, 'POST', path, sh, { jsonrpc: '2.0', method: 'notifications/initialized' });
  let id = 1;
  return { init, call: (name) => raw(gw.port, 'POST', path, sh, { jsonrpc: '2.0', id: id++, method: 'tools/call', params: { name, arguments: {} } }) };
}
const metric = async (name, labels) => {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.every((x) => l.includes(x)));
  return line ? Number(line.split(' ').pop()) : NaN;
};
const issued = () => metric('mcpgate_upstream_tokens_total', ['endpoint="crm"', 'outcome="issued"']);
const textOf = (r) => r.json?.result?.content?.[0]?.text ?? '';

try {
  const alice = await signIn('alice', 'mcp:read');
  const bob = await signIn('bob', 'mcp:read mcp:write');
  const a = await session(alice);
  report.check(a.init.status === 200, 'alice opens a session through the gateway', a.init.body);
  let r = await a.call('crm_read');
  report.check(r.status === 200 && textOf(r) === 'ok:crm_read:alice', 'alice reads through the gateway; the CRM API saw alice', r.body);
  const first = crm.seen.filter((s) => s.tool === 'crm_read').at(-1);
  report.check(first?.ok && JSON.stringify(first.scopes) === '["crm.read"]' && first.claims.act?.sub === 'mcpgate',
    "the CRM API received a token for itself with alice's mapped scope only (crm.read) and the gateway as actor (act.sub)", JSON.stringify(first?.claims));
  report.check(first?.token !== alice, "…and never alice's own token");

  r = await a.call('crm_update');
  report.check(r.status === 403, 'alice (mcp:read) is refused crm_update at the gateway (403)', `${r.status}`);
  const b = await session(bob);
  r = await b.call('crm_update');
  const bobSeen = crm.seen.filter((s) => s.tool === 'crm_update' && s.ok).at(-1);
  report.check(r.status === 200 && textOf(r) === 'ok:crm_update:bob' && JSON.stringify(bobSeen?.scopes) === '["crm.read","crm.write"]',
    "bob (mcp:write) updates; his exchanged token carries crm.read crm.write", `${r.body} ${JSON.stringify(bobSeen?.scopes)}`);

  // The 2026-07-28 era: stateless requests share one upstream session, which the gateway opens with
  // its own client_credentials token; each request still carries the caller's exchanged token.
  const modern = (token, name) => raw(gw.port, 'POST', '/mcp', { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
    Authorization: `Bearer ${token}`, 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': name },
  { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: {}, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } });
  r = await modern(bob, 'crm_update');
  const modernSeen = crm.seen.filter((s) => s.tool === 'crm_update' && s.ok).at(-1);
  const gatewayOwn = crm.seen.filter((s) => s.ok && s.claims?.sub === 'mcpgate');
  report.check(r.status === 200 && textOf(r) === 'ok:crm_update:bob' && modernSeen?.claims?.sub === 'bob',
    '2026-07-28: a stateless call reaches the CRM API with the caller\'s exchanged token', r.body);
  report.check(gatewayOwn.length > 0 && gatewayOwn.every((s) => s.method !== 'tools/call' && (s.scopes ?? []).length === 0),
    "the gateway's own requests (opening the shared session) carry its own token, without scopes, never on a tools/call",
    JSON.stringify(gatewayOwn.map((s) => [s.method, s.scopes])));

  // Cache: a hundred calls with one client token, no new exchange.
  const before = await issued();
  const hitsBefore = await metric('mcpgate_upstream_token_cache_total', ['endpoint="crm"', 'result="hit"']);
  let allOk = true;
  for (let i = 0; i < 100; i++) allOk = allOk && textOf(await a.call('crm_read')) === 'ok:crm_read:alice';
  const after = await issued();
  const hitsAfter = await metric('mcpgate_upstream_token_cache_total', ['endpoint="crm"', 'result="hit"']);
  report.check(allOk && after === before && hitsAfter - hitsBefore >= 100,
    'a hundred calls with one client token: no new exchange, served from the cache', `issued ${before}→${after}, hits ${hitsBefore}→${hitsAfter}`);
  const alice2 = await signIn('alice', 'mcp:read');
  const a2 = await session(alice2);
  r = await a2.call('crm_read');
  report.check(textOf(r) === 'ok:crm_read:alice' && await issued() === after + 1, 'a new client token causes one new exchange', `${await issued()}`);

  // An upstream that refuses the credential once (revoked at its server): one fresh exchange, then success.
  await crm.control('reject-next');
  const n0 = crm.seen.length;
  const before401 = await issued();
  r = await a.call('crm_read');
  const tries = crm.seen.slice(n0).filter((s) => s.tool === 'crm_read');
  report.check(textOf(r) === 'ok:crm_read:alice' && tries.length === 2 && !tries[0].ok && tries[1].ok && tries[0].token !== tries[1].token && await issued() === before401 + 1,
    'an upstream 401 causes one fresh exchange and one retry, which succeeds', JSON.stringify(tries.map((t) => [t.ok, t.why])));
  // An upstream that refuses every credential: the client gets an error naming the upstream, no token material.
  await crm.control('reject-all');
  r = await a.call('crm_read');
  await crm.control('accept');
  report.check(r.status === 502 && r.json?.error?.data?.upstream === 'crm-api' && r.json?.error?.data?.reason === 'unauthorized' && !/eyJ/.test(r.body),
    'an upstream that refuses every token: 502, the upstream named, reason unauthorized, no token in the answer', r.body);
  const refusedAudit = (existsSync(audit) ? readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [])
    .filter((l) => l.decision === 'failed' && l.rule === 'credentials' && l.endpoint === '/mcp' && /401/.test(l.reason));
  report.check(refusedAudit.length === 1 && refusedAudit[0].subject === 'alice' && !/eyJ/.test(JSON.stringify(refusedAudit)),
    'the refused credential is audited (decision failed, rule credentials, the status; no token)', JSON.stringify(refusedAudit));

  // The token endpoint refuses or cannot be reached: a clear error, nothing reaches the upstream.
  const n1 = crm.seen.length;
  // The session's initialize is the first request the upstream would see: it fails already.
  const ar = await session(await signIn('alice', 'mcp:read', '/refused'), '/refused');
  r = ar.init;
  report.check(r.status === 502 && r.json?.error?.data?.reason === 'credentials' && r.json?.error?.data?.error === 'invalid_target' && /invalid_target/.test(r.json?.error?.message ?? ''),
    'an exchange refused by the token endpoint (invalid_target): 502 naming the reason', r.body);
  const au = await session(await signIn('alice', 'mcp:read', '/unreachable'), '/unreachable');
  r = au.init;
  report.check(r.status === 502 && r.json?.error?.data?.reason === 'credentials' && /unreachable/.test(r.json?.error?.message ?? ''),
    'an unreachable token endpoint: 502, reason credentials', r.body);
  report.check(crm.seen.slice(n1).every((s) => s.tool !== 'crm_read'), 'without a credential nothing reached the CRM API');
  const auditLines = existsSync(audit) ? readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  report.check(auditLines.some((l) => l.decision === 'failed' && l.rule === 'credentials' && l.endpoint === '/refused' && l.method === 'initialize' && /invalid_target/.test(l.reason)),
    'the failed exchange is audited (decision failed, rule credentials, the OAuth error)');
  report.check(await metric('mcpgate_upstream_tokens_total', ['endpoint="refused"', 'outcome="refused"']) >= 1 &&
    await metric('mcpgate_upstream_tokens_total', ['endpoint="unreachable"', 'outcome="unreachable"']) >= 1,
    '/metrics counts exchanges by outcome');

  // Revocation of the subject token (RFC 7009): the next call is refused at the gateway.
  const rev = await fetch(`${origin}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: alice, client_id: 'agent' }).toString() });
  const n2 = crm.seen.length;
  r = await a.call('crm_read');
  report.check(rev.status === 200 && r.status === 401 && crm.seen.length === n2,
    "a revoked client token stops at once: 401 at the gateway, nothing reaches the CRM API (the cached exchanged token is not used)", `${rev.status} ${r.status}`);

  // Across everything the CRM API received.
  const withTokens = crm.seen.filter((s) => s.claims);
  report.check(withTokens.length > 100 && withTokens.every((s) => JSON.stringify([s.claims.aud].flat()) === JSON.stringify([crm.url])),
    "every token the CRM API ever received names it as the audience, none the gateway's resource", JSON.stringify([...new Set(withTokens.map((s) => JSON.stringify(s.claims.aud)))]));
  report.check(withTokens.filter((s) => s.claims.sub === 'alice').every((s) => !s.scopes.includes('crm.write')),
    "no token for read-only alice ever carried crm.write");
  report.check(!crm.seen.some((s) => s.token === alice || s.token === bob || s.token === alice2), 'no client token ever reached the CRM API');

  // check-config --probe tries each external token endpoint as the gateway will.
  // Asynchronously: the servers it probes run in this process.
  const probe = await new Promise((resolve) => execFile(gatewayBin, ['check-config', '--probe', gw.file], { env: process.env },
    (err, stdout) => resolve({ status: err ? (err.code ?? 1) : 0, stdout })));
  report.check(probe.status !== 0 && /^ok +credentials crm-api http:\/\/127\.0\.0\.1:\d+\/token: reachable; our client accepted/m.test(probe.stdout) &&
    new RegExp(`^FAIL credentials crm-api http://127.0.0.1:${deadPort}/token`, 'm').test(probe.stdout),
  'check-config --probe: the answering token endpoint is reachable, the dead one fails', probe.stdout);

} catch (e) {
  report.check(false, 'no exception', `${e.stack}\n${gw.log().slice(-3000)} exit=${gw.proc.exitCode} signal=${gw.proc.signalCode}`);
} finally {
  await gw.stop();
  await crm.stop();
  refusing.close();
}
report.finish();

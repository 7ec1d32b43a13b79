// The embedded authorization server's blocking pool is bounded and separate from the gateway's
// serving threads: with every place of the pool taken (requests waiting on a Client ID Metadata
// Document that a slow server withholds), a token request is refused at once with 503
// temporarily_unavailable and Retry-After (RFC 6749 §4.1.2.1, RFC 9110 §10.2.3), while MCP
// requests, the metadata document and /metrics are still served; the refusal is counted; once
// the places are free, tokens are issued again.
import { createServer } from 'node:http';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Report, freePort, gatewayBin, raw, root, startGateway, tempDir } from './lib.mjs';
import { modernRequest, stopWithin, toolNames } from './support/mcp_client.mjs';

const report = new Report('authserver isolation');
const dir = tempDir();
const storage = `sqlite:${join(dir, 'as.db')}`;
const crm = join(root, 'build/release/examples/crm/crm_server');
const added = spawnSync(gatewayBin, ['clients', 'add', 'machine', '--grant', 'client_credentials', '--auth-method',
  'client_secret_basic', '--scope', 'mcp:read', '--storage', storage], { encoding: 'utf8' });
const secret = /client_secret: (\S+)/.exec(added.stdout)?.[1];
report.check(added.status === 0 && !!secret, 'mcpgate clients add (client_credentials)', added.stderr);

// A metadata document server that answers nothing until released.
const held = [];
let heldChanged = () => {};
const slow = createServer((req, res) => { held.push(res); heldChanged(); });
await new Promise((r) => slow.listen(0, '127.0.0.1', r));
const docUrl = `http://127.0.0.1:${slow.address().port}/client.json`;

const gw = await startGateway(`authorization_server:
  storage: ${storage}
  cimd_allow_private_addresses: true
  blocking_threads: 1
  max_pending_requests: 2
servers:
  - name: crm
    path: /mcp
    auth: { scopes_supported: [mcp:read], required_scopes: [mcp:read] }
    upstreams:
      - name: crm
        stdio: { command: ["${crm}", "--stdio"] }
`);
const P = gw.port;
const resource = `http://127.0.0.1:${P}/mcp`;
const basic = `Basic ${Buffer.from(`machine:${secret}`).toString('base64')}`;
const tokenRequest = () => raw(P, 'POST', '/token', { Authorization: basic, 'Content-Type': 'application/x-www-form-urlencoded' },
  new URLSearchParams({ grant_type: 'client_credentials', scope: 'mcp:read', resource }).toString());
const metric = async (name) => {
  const m = await raw(P, 'GET', '/metrics');
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(m.body)?.[1]);
};

try {
  const first = await tokenRequest();
  report.check(first.status === 200 && !!first.json?.access_token, 'a client_credentials token while the pool is free', first.body);
  const token = first.json?.access_token;

  // Take both places: two authorization requests for a metadata-document client, each waiting
  // for the document.
  const authorize = `/authorize?${new URLSearchParams({ response_type: 'code', client_id: docUrl,
    redirect_uri: 'http://127.0.0.1:3000/cb', state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256', resource, scope: 'mcp:read' })}`;
  const waiting = [raw(P, 'GET', authorize), raw(P, 'GET', authorize)];
  await new Promise((r) => { heldChanged = () => { if (held.length >= 2) r(); }; heldChanged(); });

  const busy = await tokenRequest();
  report.check(busy.status === 503 && busy.json?.error === 'temporarily_unavailable' && busy.headers['retry-after'] === '1',
    'pool full: the token endpoint answers 503 temporarily_unavailable with Retry-After: 1', `${busy.status} ${busy.body}`);
  const mcp = await modernRequest(P, '/mcp', token, 'tools/list');
  report.check(mcp.status === 200 && toolNames(mcp).length > 0, 'pool full: MCP requests are still served', `${mcp.status} ${mcp.body.slice(0, 200)}`);
  const meta = await raw(P, 'GET', '/.well-known/oauth-authorization-server');
  report.check(meta.status === 200, 'pool full: the metadata document is still served (it needs no pool)');
  report.check(await metric('mcpgate_authserver_busy_total') === 1 && await metric('mcpgate_authserver_pending') === 2 &&
    await metric('mcpgate_authserver_pending_limit') === 2, '/metrics counts the refusal, the places taken and the limit');

  for (const res of held) { res.statusCode = 404; res.end(); }
  const done = await Promise.all(waiting);
  report.check(done.every((r) => r.status === 400), 'the held requests complete once the document fails', done.map((r) => r.status).join(' '));
  const again = await tokenRequest();
  report.check(again.status === 200, 'places free again: tokens are issued', `${again.status} ${again.body}`);
  report.check(await metric('mcpgate_authserver_pending') === 0, 'no place is left taken');
} finally {
  await stopWithin(gw);
  await new Promise((r) => slow.close(r));
}
report.finish();

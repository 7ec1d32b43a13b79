// `mcpgate demo`'s whole story, server side: "an assistant that may read the CRM but not change
// it, a write that needs step-up consent, and a CRM API that only ever sees tokens minted for it."
// The demo runs the embedded authorization server with bob (reader: mcp:read) and alice (editor:
// mcp:read mcp:write), the CRM MCP server per principal, and the CRM API (a child of the demo).
// Users sign in through the pages (as a browser would, cookies and CSRF tokens included). Shown:
// bob asking for mcp:write is granted mcp:read only (RFC 6749 §3.3, `scope` in the token response)
// and the consent page says so; his step-up gets a code at once, never an error loop; his update is
// refused 403 at the gateway; alice's goes through to the API. The CRM API's log shows that every
// token it received during the tool calls names the API as audience, the gateway as actor
// (RFC 8693 `act`), crm:read/crm:write mapped from the user's scopes, and never the gateway's
// audience (MCP authorization, "Token Passthrough"); the user's own token sent to the API is
// refused 401. Stopping the demo stops the API.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, pkce, scrape } from './authserver_helpers.mjs';
import { Report, freePort, gatewayBin, stopAndJudge, tempDir } from './lib.mjs';
import { ACCEPT_BOTH, legacyRequest, modernRequest } from './support/mcp_client.mjs';

const report = new Report('demo-api');
const port = await freePort();
const demo = spawn(gatewayBin, ['demo', '--listen', `127.0.0.1:${port}`, '--data-dir', join(tempDir(), 'demo')], { stdio: ['ignore', 'pipe', 'pipe'] });
let banner = '';
let log = '';
demo.stdout.on('data', (d) => { banner += d; });
demo.stderr.on('data', (d) => { log += d; });
const until = Date.now() + 15000;
while (!log.includes('listening on port') && Date.now() < until && demo.exitCode === null) await new Promise((r) => setTimeout(r, 50));
const origin = `http://127.0.0.1:${port}`;
const resource = `${origin}/mcp`;
const apiUrl = banner.match(/CRM API: +(http:\/\/127\.0\.0\.1:\d+\/api)/)?.[1];
const apiLog = banner.match(/CRM API log: +(\S+)/)?.[1];
report.check(apiUrl && apiLog && /bob \/ bob-demo-password +\(reader: mcp:read\)/.test(banner) &&
  /alice \/ alice-demo-password +\(editor: mcp:read mcp:write\)/.test(banner),
  'the demo prints the CRM API, its log, and the reader and editor', banner + log);
for (const cmd of ['login', 'tools'])
  report.check(banner.includes(` ${cmd} ${resource}`), `the demo prints \`mcpgate ${cmd} URL\``);
report.check(/ call \S+\/mcp update_customer --args '\{"id":"1"/.test(banner), 'the demo prints `mcpgate call URL update_customer --args JSON`');

const redirect = 'http://127.0.0.1:3000/callback';
async function register() {
  const r = await fetch(`${origin}/register`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'demo test', redirect_uris: [redirect], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none', application_type: 'native' }) });
  return (await r.json()).client_id;
}

// Through the pages: the authorization request, the login form, the consent form (whose page is
// returned), then the token request.
async function signIn(agent, clientId, user, scope) {
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirect, state: 's',
    code_challenge: challenge, code_challenge_method: 'S256', resource, scope });
  let page = await agent.get(`${origin}/authorize?${q}`);
  let consentPage = null;
  let location = page.location;
  if (page.status === 200 && page.body.includes('name="password"'))
    page = await agent.postForm(`${origin}/authorize/login`, { request_id: scrape(page.body, 'request_id'),
      csrf_token: scrape(page.body, 'csrf_token'), username: user, password: `${user}-demo-password` });
  if (page.status === 200) {
    consentPage = page.body;
    const done = await agent.postForm(`${origin}/authorize/consent`, { request_id: scrape(page.body, 'request_id'),
      csrf_token: scrape(page.body, 'csrf_token'), decision: 'approve' });
    location = done.location;
  } else if (page.status === 303) {
    location = page.location;
  }
  const back = new URL(location);
  const code = back.searchParams.get('code');
  if (!code) return { consentPage, pageStatus: page.status, error: back.searchParams.get('error') };
  const t = await fetch(`${origin}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: clientId, code_verifier: verifier, resource }).toString() });
  return { consentPage, pageStatus: page.status, token: await t.json() };
}
const listItems = (html, id) => {
  const m = html?.match(new RegExp(`<ul class="scopes" id="${id}">(.*?)</ul>`, 's'));
  return m ? [...m[1].matchAll(/<code>([^<]*)<\/code>/g)].map((x) => x[1]) : [];
};
const callTool = async (token, name, args) => {
  const { init, reply } = await legacyRequest(port, '/mcp', token, 'tools/call', { name, arguments: args });
  return reply ?? init;
};
const text = (r) => r?.json?.result?.content?.[0]?.text ?? '';
const logLines = () => readFileSync(apiLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

try {
  const clientId = await register();
  const bobAgent = new Agent();
  const bob = await signIn(bobAgent, clientId, 'bob', 'mcp:read mcp:write');
  report.check(listItems(bob.consentPage, 'scopes').join(' ') === 'mcp:read' && listItems(bob.consentPage, 'withheld').join(' ') === 'mcp:write',
    'the reader asking for mcp:read mcp:write sees mcp:read granted and mcp:write not available', bob.consentPage?.slice(0, 2000));
  report.check(bob.token?.scope === 'mcp:read', 'the reader is granted mcp:read only, and the token response says so (RFC 6749 §3.3)', JSON.stringify(bob.token));

  const read = await callTool(bob.token.access_token, 'get_customer', { id: '1' });
  report.check(read.status === 200 && text(read).includes('Ada Lovelace'), 'the reader reads a customer through the CRM API', `${read.status} ${read.body}`);
  const write = await callTool(bob.token.access_token, 'update_customer', { id: '1', notes: 'bob was here' });
  report.check(write.status === 403 && /insufficient_scope/.test(write.headers['www-authenticate'] ?? ''),
    "the reader's update is refused at the gateway: 403 insufficient_scope", `${write.status} ${write.body}`);
  // Step-up as a client does it: the union of scopes again. Signed in with consent remembered,
  // the reader gets a code at once (no page, no error): for mcp:read.
  const stepUp = await signIn(bobAgent, clientId, 'bob', 'mcp:read mcp:write');
  report.check(stepUp.consentPage === null && stepUp.token?.scope === 'mcp:read',
    "the reader's step-up returns at once with mcp:read: no error page, no loop", JSON.stringify(stepUp));

  const alice = await signIn(new Agent(), clientId, 'alice', 'mcp:read mcp:write');
  report.check(alice.token?.scope === 'mcp:read mcp:write', 'the editor is granted mcp:read mcp:write', JSON.stringify(alice.token));
  const update = await callTool(alice.token.access_token, 'update_customer', { id: '1', notes: 'Called on Monday.' });
  report.check(text(update) === 'Updated customer 1', "the editor's update goes through to the CRM API", `${update.status} ${update.body}`);
  const reread = await callTool(bob.token.access_token, 'get_customer', { id: '1' });
  report.check(text(reread).includes('Called on Monday.'), "the reader sees the editor's change (one CRM API, not per-process memory)", text(reread));

  // The same through the stateless revision (2026-07-28), as a current client speaks it.
  const modernRead = await modernRequest(port, '/mcp', bob.token.access_token, 'tools/call', { name: 'get_customer', arguments: { id: '3' } }, ACCEPT_BOTH, 'get_customer');
  report.check(text(modernRead).includes('Grace Hopper'), 'a 2026-07-28 request reads through the CRM API too', `${modernRead.status} ${modernRead.body}`);
  const modernList = await modernRequest(port, '/mcp', bob.token.access_token, 'tools/list', {});
  const names = (modernList.json?.result?.tools ?? []).map((t) => t.name);
  report.check(names.includes('get_customer') && !names.includes('update_customer'), "a 2026-07-28 tools/list shows the reader's tools", `${modernList.status} ${modernList.body}`);
  const modernWrite = await modernRequest(port, '/mcp', alice.token.access_token, 'tools/call',
    { name: 'update_customer', arguments: { id: '3', tier: 'platinum' } }, ACCEPT_BOTH, 'update_customer');
  report.check(text(modernWrite) === 'Updated customer 3', "a 2026-07-28 request carries the editor's update to the API", `${modernWrite.status} ${modernWrite.body}`);

  const seen = logLines().filter((l) => l.token);
  report.check(seen.length >= 5, 'the CRM API logged the tokens it received', String(seen.length));
  report.check(seen.every((l) => l.token.verified && l.token.aud === apiUrl && l.token.act?.sub === 'mcpgate' && l.status < 400),
    'every token the CRM API received was minted for it (aud = the API), by exchange (act = the gateway), and accepted',
    JSON.stringify(seen));
  report.check(!seen.some((l) => JSON.stringify(l.token.aud).includes(resource)), "the CRM API never saw a token for the gateway's audience");
  const bobLines = seen.filter((l) => l.token.sub === 'bob');
  const aliceWrite = seen.find((l) => l.token.sub === 'alice' && l.method === 'PATCH');
  report.check(bobLines.length >= 2 && bobLines.every((l) => l.token.scope === 'crm:read'), "the reader's API tokens carry crm:read only",
    JSON.stringify(bobLines.map((l) => l.token.scope)));
  report.check(aliceWrite && aliceWrite.token.scope.split(' ').includes('crm:write'), "the editor's write reached the API with crm:write", JSON.stringify(aliceWrite));

  // The user's own token, presented to the API directly (what token passthrough would do).
  const direct = await fetch(`${apiUrl}/customers/1`, { headers: { authorization: `Bearer ${alice.token.access_token}` } });
  report.check(direct.status === 401, "the user's own token (audience: the gateway) is refused by the CRM API: 401", String(direct.status));
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await stopAndJudge('mcpgate demo', demo, () => log);
}
if (apiUrl) {
  const after = await fetch(`${apiUrl}/customers`).then((r) => r.status, () => 'refused');
  report.check(after === 'refused', 'stopping the demo stops the CRM API', String(after));
}
report.finish();

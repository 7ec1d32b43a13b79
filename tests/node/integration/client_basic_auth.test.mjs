// client_secret_basic at the embedded authorization server, with ids and secrets made of every
// character that encodings disagree about (: + / = & % ~ ! and spaces), sent the ways real client
// libraries send them: RFC 6749 §2.3.1 form encoding before Base64 (Go's golang.org/x/oauth2 uses
// url.QueryEscape: space → '+'; Java's URLEncoder the same with '*' kept and '~' escaped), the
// raw btoa(id:secret) of the MCP TypeScript SDK, and client_secret_post.
// Regression: a correctly form-encoded secret containing a space ('+') was refused.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Report, gatewayBin, root, startGateway, tempDir } from './lib.mjs';
import { probe } from './support/mcp_client.mjs';

const report = new Report('client-basic-auth');
const dir = tempDir();
const storage = `sqlite:${join(dir, 'as.db')}`;
const everything = join(root, 'build/release/examples/everything/everything_server');

// Go's url.QueryEscape: unreserved kept, space → '+', everything else %XX (uppercase).
const goQueryEscape = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
// Java's URLEncoder.encode(s, UTF_8): space → '+', '*' kept, '~' escaped.
const javaUrlEncode = (s) => goQueryEscape(s).replace(/%2A/g, '*').replace(/~/g, '%7E');
const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');

const CLIENTS = {
  // An id with ':' can only be sent encoded (the Basic split is at the first ':').
  colon: { id: 'tenant:svc a+b/c=d&e%f~g!h', secret: 'p: +/=&%~! q with spaces' },
  // Without ':', the raw form of the TypeScript SDK works too.
  plain: { id: 'svc a+b/c=d&e%f~g!h', secret: 'S3cr3t +/=&%~!: and ~ more' },
};
for (const c of Object.values(CLIENTS)) {
  const r = spawnSync(gatewayBin, ['clients', 'add', c.id, '--auth-method', 'client_secret_basic', '--grant', 'client_credentials',
    '--scope', 'mcp:read', '--secret-stdin', '--storage', storage], { input: `${c.secret}\n`, encoding: 'utf8' });
  report.check(r.status === 0 && !r.stdout.includes(c.secret), `mcpgate clients add --secret-stdin registers ${JSON.stringify(c.id)} (the secret is not echoed)`, r.stderr);
}
const short = spawnSync(gatewayBin, ['clients', 'add', 'weak', '--auth-method', 'client_secret_basic', '--secret-stdin', '--storage', storage],
  { input: 'too short\n', encoding: 'utf8' });
report.check(short.status === 2, '--secret-stdin refuses a secret shorter than 16 characters');

const gw = await startGateway(`authorization_server:
  storage: ${storage}
servers:
  - name: basic
    path: /mcp
    auth:
      scopes_supported: [mcp:read]
      required_scopes: [mcp:read]
    upstreams:
      - name: everything
        stdio: { command: ["${everything}", "--stdio"] }
`);
try {
  const meta = await (await fetch(`http://127.0.0.1:${gw.port}/.well-known/oauth-authorization-server`)).json();
  const tokenEndpoint = meta.token_endpoint;
  const form = new URLSearchParams({ grant_type: 'client_credentials', scope: 'mcp:read', resource: gw.url });
  const token = async (authorization, extra = {}) => {
    const body = new URLSearchParams(form);
    for (const [k, v] of Object.entries(extra)) body.set(k, v);
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    if (authorization) headers.authorization = authorization;
    const res = await fetch(tokenEndpoint, { method: 'POST', headers, body: body.toString() });
    return { status: res.status, json: await res.json().catch(() => null) };
  };
  const accepted = async (r) => r.status === 200 && r.json?.access_token && (await probe(gw.port, '/mcp', r.json.access_token)).status === 404;

  for (const [name, c] of Object.entries(CLIENTS)) {
    const go = await token(`Basic ${b64(`${goQueryEscape(c.id)}:${goQueryEscape(c.secret)}`)}`);
    report.check(await accepted(go), `${name}: RFC 6749 §2.3.1 Basic, form-encoded like Go's url.QueryEscape ('+' for space): token issued and accepted at /mcp`,
      `${go.status} ${JSON.stringify(go.json)}`);
    const java = await token(`Basic ${b64(`${javaUrlEncode(c.id)}:${javaUrlEncode(c.secret)}`)}`);
    report.check(await accepted(java), `${name}: Basic form-encoded like Java's URLEncoder`, `${java.status} ${JSON.stringify(java.json)}`);
    const uri = await token(`Basic ${b64(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret)}`)}`);
    report.check(await accepted(uri), `${name}: Basic percent-encoded with %20 (encodeURIComponent)`, `${uri.status} ${JSON.stringify(uri.json)}`);
    const post = await token(undefined, { client_id: c.id, client_secret: c.secret });
    report.check(await accepted(post), `${name}: client_secret_post (URLSearchParams body)`, `${post.status} ${JSON.stringify(post.json)}`);
    const wrong = await token(`Basic ${b64(`${goQueryEscape(c.id)}:${goQueryEscape(`${c.secret}x`)}`)}`);
    report.check(wrong.status === 401 && wrong.json?.error === 'invalid_client', `${name}: a wrong secret is invalid_client`, `${wrong.status}`);
    // A reading is an id and a secret together: an encoded id with the raw secret is not one.
    const mixed = await token(`Basic ${b64(`${goQueryEscape(c.id)}:${c.secret}`)}`);
    report.check(mixed.status === 401, `${name}: an encoded id with an unencoded secret is refused (readings are not mixed)`, `${mixed.status}`);
  }
  // The TypeScript SDK: btoa(id:secret), nothing encoded.
  const ts = await token(`Basic ${b64(`${CLIENTS.plain.id}:${CLIENTS.plain.secret}`)}`);
  report.check(await accepted(ts), 'plain: raw Basic like the MCP TypeScript SDK (a secret with ":" and "+")', `${ts.status} ${JSON.stringify(ts.json)}`);
  const tsColon = await token(`Basic ${b64(`${CLIENTS.colon.id}:${CLIENTS.colon.secret}`)}`);
  report.check(tsColon.status === 401, 'colon: a raw id containing ":" cannot be told from the secret and is refused', `${tsColon.status}`);
} finally {
  await gw.stop();
}
report.finish();

// Filtered lists from a hostile HTTP upstream: its tools/list reply arrives as SSE in many small
// writes (mid line, between CR and LF, inside UTF-8 sequences) after frames that must never be
// forwarded (malformed JSON, a reply to another id, `event: other`, comments). A read-only
// client sees only read_* tools, and no forbidden name appears in any byte it receives; when no
// valid reply exists the client gets an error, never a list. Legacy and 2026-07-28 clients, each
// accepting JSON only or SSE.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report, startGateway, tempDir, testIssuer } from './lib.mjs';
import { ALLOWED, FORBIDDEN, startHostileUpstream } from './support/hostile_upstream.mjs';
import { legacyRequest, modernRequest, stopWithin } from './support/mcp_client.mjs';

const report = new Report('list-filtering');
const dir = tempDir();
const issuer = testIssuer(dir);
writeFileSync(join(dir, 'jwks.json'), issuer.jwks);
const ISS = 'https://issuer.test';
const up = await startHostileUpstream();
let gw = null;

const CLIENTS = [
  ['legacy, JSON only', 'legacy', 'application/json'],
  ['legacy, SSE', 'legacy', 'application/json, text/event-stream'],
  ['2026-07-28, JSON only', 'modern', 'application/json'],
  ['2026-07-28, SSE', 'modern', 'application/json, text/event-stream'],
];
const leaked = (body) => FORBIDDEN.filter((n) => body.includes(n));

try {
  gw = await startGateway(`servers:
  - name: hostile
    path: /mcp
    auth:
      scopes_supported: [mcp:read, mcp:write]
      required_scopes: [mcp:read]
      issuers: [{ issuer: ${ISS}, algorithms: [ES256], jwks_file: ${join(dir, 'jwks.json')} }]
    policy:
      rules:
        - { id: read-tools, tools: ["read_*"], scopes: [mcp:read] }
        - { id: write-tools, tools: ["*"], scopes: [mcp:write] }
    upstreams:
      - name: hostile
        request_timeout_ms: 15000
        http: { url: ${up.url} }
`);
  const P = gw.port;
  const read = issuer.mint({ iss: ISS, sub: 'alice', aud: `http://127.0.0.1:${P}/mcp`, client_id: 'c', scope: 'mcp:read' });
  const list = async (era, accept) => {
    if (era === 'legacy') {
      // Sessions are left open (the gateway ends them at stop): ending legacy sessions that have an
      // HTTP upstream corrupts the gateway's heap within a few dozen DELETEs (reported separately),
      // which is not what this test is about.
      const r = await legacyRequest(P, '/mcp', read, 'tools/list', {}, accept, false);
      if (!r.reply) throw new Error(`initialize failed: ${r.init.status} ${r.init.body}`);
      return r.reply;
    }
    return modernRequest(P, '/mcp', read, 'tools/list', {}, accept);
  };

  for (const variant of ['hostile', 'malformed-final']) {
    up.state.variant = variant;
    for (const [what, era, accept] of CLIENTS) {
      const calls = up.state.listCalls;
      const r = await list(era, accept);
      const sse = (r.headers['content-type'] ?? '').startsWith('text/event-stream');
      const reached = up.state.listCalls === calls + 1;
      const leaks = leaked(r.body);
      if (process.env.SHOW_BODIES) console.log(`# ${variant} ${what}: ${r.status} ${r.headers['content-type']}\n${r.body}`);
      report.check(reached && leaks.length === 0, `${variant}, ${what}: no forbidden name in the ${r.body.length} bytes received`,
        `reached=${reached} leaked=${leaks.join(',')} ${r.body.slice(0, 300)}`);
      if (sse) {
        // Of the hostile prelude only the notification is relayed; then the reply, and nothing after it.
        const messages = r.body.split(/\r?\n/).filter((l) => l.startsWith('data:') && l.slice(5).trim()).map((l) => JSON.parse(l.slice(5)));
        report.check(messages.length === 2 && messages[0].method === 'notifications/message' && messages[0].params?.data === 'warming up ✓' &&
          messages[1].id !== undefined && !messages[1].method, `${variant}, ${what}: the stream carries the notification, then the reply, nothing else`,
          JSON.stringify(messages).slice(0, 300));
      }
      if (accept === 'application/json')
        report.check(!sse, `${variant}, ${what}: a JSON-only client gets JSON`, r.headers['content-type']);
      if (variant === 'hostile') {
        const tools = r.json?.result?.tools ?? [];
        const names = tools.map((t) => t.name).sort();
        const want = ALLOWED.map((t) => t.name).sort();
        report.check(r.status === 200 && JSON.stringify(names) === JSON.stringify(want),
          `${variant}, ${what}: exactly the read_* tools`, `${r.status} ${names.join(',')} ${r.body.slice(0, 300)}`);
        report.check(ALLOWED.every((a) => tools.find((t) => t.name === a.name)?.description === a.description),
          `${variant}, ${what}: UTF-8 split across writes arrives intact`, JSON.stringify(tools.map((t) => t.description)));
        if (era === 'modern')
          report.check(r.json?.result?.cacheScope === 'private', `${variant}, ${what}: cacheScope private`, JSON.stringify(r.json?.result ?? {}).slice(0, 200));
      } else {
        const ok = r.json?.error && !r.json?.result && !ALLOWED.some((a) => r.body.includes(a.name));
        report.check(ok, `${variant}, ${what}: an error reply, never a forwarded list`, `${r.status} ${r.body.slice(0, 300)}`);
      }
    }
  }
} catch (e) {
  report.check(false, 'test ran to the end', `${e.stack}\n${gw?.log() ?? ''}`);
} finally {
  await stopWithin(gw);
  await up.stop();
}
report.finish();

// Ways around the policy, tried against a recording upstream (support/recording_upstream.mjs logs
// every message that reaches it): notifications that carry a request method, unknown methods,
// resource URIs that mean another resource than they spell (dot segments, percent-encoding, case),
// tool and prompt names with invisible characters, and the step-up challenge of an endpoint with
// required_scopes. Each case asserts what reached the upstream, not only what the client was told.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Report, raw, root, startGateway, tempDir, testIssuer } from './lib.mjs';
import { startRecordingHttpUpstream } from './support/recording_upstream.mjs';

const report = new Report('policy-bypass');
const dir = tempDir();
const issuer = testIssuer(dir);
writeFileSync(join(dir, 'jwks.json'), issuer.jwks);
const ISS = 'https://issuer.test';
const upstreamLog = join(dir, 'upstream.jsonl');
const audit = join(dir, 'audit.jsonl');
const recording = join(root, 'tests/node/integration/support/recording_upstream.mjs');
const webLog = join(dir, 'web.jsonl');
const web = await startRecordingHttpUpstream(webLog, { modern: true });
const authBlock = (extra = '') => `    auth:
      scopes_supported: [mcp:read, mcp:write]
${extra}      issuers: [{ issuer: ${ISS}, algorithms: [ES256], jwks_file: ${join(dir, 'jwks.json')} }]`;
const upstreamBlock = `    upstreams:
      - name: rec
        stdio: { command: ["${process.execPath}", "${recording}", "${upstreamLog}"] }`;
const rules = `      scope_hierarchy: { "mcp:write": [mcp:read] }
      rules:
        - { id: no-delete, effect: deny, tools: [delete_all] }
        - { id: read-tools, tools: ["read_*"], scopes: [mcp:read] }
        - { id: write-tools, tools: ["*"], scopes: [mcp:write] }
        - { id: public, resources: ["res://public/*"], scopes: [mcp:read] }
        - { id: greet, prompts: [greet], scopes: [mcp:read] }`;
const gw = await startGateway(`audit_log: ${audit}
servers:
  - name: guarded
    path: /mcp
${authBlock()}
    policy:
${rules}
${upstreamBlock}
  - name: stepped
    path: /step
${authBlock('      required_scopes: [mcp:read]\n')}
    policy:
${rules}
${upstreamBlock}
  - name: open
    path: /open
${authBlock()}
${upstreamBlock}
  - name: web
    path: /web
${authBlock()}
    policy:
${rules}
    upstreams:
      - name: web
        http: { url: "${web.url}" }
`);
const P = gw.port;
const base = `http://127.0.0.1:${P}`;
const tok = (path, scope, extra = {}) => issuer.mint({ iss: ISS, sub: 'alice', aud: `${base}${path}`, client_id: 'c', scope, ...extra });
const wa = (r) => r.headers['www-authenticate'] ?? '';
const challengeScopes = (r) => (/scope="([^"]*)"/.exec(wa(r))?.[1] ?? '').split(' ').filter(Boolean).sort();
const received = () => (existsSync(upstreamLog) ? readFileSync(upstreamLog, 'utf8').split('\n').slice(0, -1).filter(Boolean).map((l) => JSON.parse(l)) : []);
// Complete lines only: the gateway may be writing the next one while the test reads.
const auditLines = () => (existsSync(audit) ? readFileSync(audit, 'utf8').split('\n').slice(0, -1).filter(Boolean).map((l) => JSON.parse(l)) : []);
// A header value as 2026-07-28 transports carry text that is not plain visible ASCII.
const hv = (s) => (/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(s) ? s : `=?base64?${Buffer.from(s).toString('base64')}?=`);
const nameOf = (method, params) => (method === 'resources/read' ? params?.uri : (method === 'tools/call' || method === 'prompts/get') ? params?.name : undefined);
const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

// A client of one era on one endpoint: send(method, params, { notification }) and raw(body).
const eras = {
  legacy: async (path, token, initToken = token) => {
    const h = (t) => ({ 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${t}` });
    const init = await raw(P, 'POST', path, h(initToken), { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'b', version: '1' } } });
    const s = (t) => ({ ...h(t), 'Mcp-Session-Id': init.headers['mcp-session-id'], 'MCP-Protocol-Version': '2025-11-25' });
    await raw(P, 'POST', path, s(initToken), { jsonrpc: '2.0', method: 'notifications/initialized' });
    let id = 1;
    return {
      send: (method, params, o = {}) => raw(P, 'POST', path, s(token), { jsonrpc: '2.0', ...(o.notification ? {} : { id: id++ }), method, params }),
      raw: (body) => raw(P, 'POST', path, s(token), body),
    };
  },
  current: async (path, token) => {
    let id = 1;
    const h = (method, params) => {
      const n = nameOf(method, params);
      return { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${token}`,
        'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method, ...(n !== undefined ? { 'Mcp-Name': hv(n) } : {}) };
    };
    return {
      send: (method, params = {}, o = {}) => raw(P, 'POST', path, h(method, params),
        { jsonrpc: '2.0', ...(o.notification ? {} : { id: id++ }), method, params: { ...params, _meta: meta } }),
      raw: (body) => raw(P, 'POST', path, h(body.method ?? 'x', body.params), body),
    };
  },
};

// Every earlier message has reached the (ordered) stdio pipe once a later request is answered.
const barrier = async (c) => { const r = await c.send('tools/call', { name: 'read_file', arguments: {} }); return r.status === 200; };
const sawCall = (pred) => received().some((m) => m.method === 'tools/call' && pred(m));

try {
  for (const [era, open] of Object.entries(eras)) {
    const reader = await open('/mcp', tok('/mcp', 'mcp:read'));
    const writer = await open('/mcp', tok('/mcp', 'mcp:write'));

    // A notification is judged like a request: a tools/call without an id is no call at all.
    const tag = `${era}-note`;
    let r = await reader.send('tools/call', { name: 'write_file', arguments: { tag } }, { notification: true });
    report.check(r.status === 400, `${era}: a tools/call notification (no id) with a read-only token is refused 400`, `${r.status} ${r.body}`);
    report.check(await barrier(reader) && !sawCall((m) => m.params?.arguments?.tag === tag),
      `${era}: the tools/call notification never reached the upstream`, JSON.stringify(received().filter((m) => m.params?.arguments?.tag === tag)));
    report.check(auditLines().some((l) => l.method === 'tools/call' && l.target === 'write_file' && l.decision === 'deny'),
      `${era}: the refused notification has an audit record`);
    r = await writer.send('tools/call', { name: 'write_file', arguments: { tag: `${tag}-w` } }, { notification: true });
    report.check(r.status === 400 && await barrier(writer) && !sawCall((m) => m.params?.arguments?.tag === `${tag}-w`),
      `${era}: even an allowed tool called as a notification is malformed (400, not forwarded)`, `${r.status}`);
    r = await reader.send('resources/read', { uri: 'res://public/note' }, { notification: true });
    report.check(r.status === 400 && await barrier(reader) && !received().some((m) => m.params?.uri === 'res://public/note'),
      `${era}: a resources/read notification is refused and not forwarded`, `${r.status}`);
    r = await reader.send('notifications/x-custom', { tag: `${era}-xn` }, { notification: true });
    report.check(r.status === 403 && await barrier(reader) && !received().some((m) => m.params?.tag === `${era}-xn`),
      `${era}: an unknown notification fails closed under a policy (403, not forwarded)`, `${r.status} ${r.body}`);
    r = await reader.send('x/custom', { tag: `${era}-xr` });
    report.check(r.status === 403 && !received().some((m) => m.params?.tag === `${era}-xr`),
      `${era}: an unknown request method fails closed under a policy (403, not forwarded)`, `${r.status} ${r.body}`);
    r = await reader.send('sampling/createMessage', { tag: `${era}-sm`, messages: [], maxTokens: 1 });
    report.check(r.status === 403 && !received().some((m) => m.params?.tag === `${era}-sm`),
      `${era}: a server-to-client method sent by the client fails closed`, `${r.status}`);
    if (era === 'legacy') {
      report.check(received().some((m) => m.method === 'notifications/initialized'), 'legacy: notifications/initialized (authentication only) still reaches the upstream');
      r = await reader.raw({ jsonrpc: '2.0', id: 'mcpgate:0:99', result: {} });
      report.check(r.status === 400, 'legacy: a reply to a server request that was never sent is refused', `${r.status}`);
      // MCP cancellation: the client's notifications/cancelled names its request by the client's id;
      // the child knows it by the gateway's. Another session's cancellation of the same id names
      // no call of its own and reaches nothing; the owner's reaches the child under the child's id.
      const holds = () => received().filter((m) => m.params?.name === 'hold');
      const before = holds().length;
      const hold = writer.raw({ jsonrpc: '2.0', id: 70, method: 'tools/call', params: { name: 'hold', arguments: {} } });
      while (holds().length === before) await new Promise((res) => setTimeout(res, 10));
      const childId = holds().pop().id;
      const cancelled = () => received().filter((m) => m.method === 'notifications/cancelled');
      r = await reader.raw({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 70, reason: 'legacy: not yours' } });
      const r2 = await writer.raw({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 70, reason: 'legacy: stop' } });
      await barrier(writer);
      const seen = cancelled();
      report.check(r.status === 202 && r2.status === 202 && seen.length === 1 && seen[0].params.requestId === childId && seen[0].params.reason === 'legacy: stop',
        'legacy: notifications/cancelled reaches the child of its own session only, under the id the child was given',
        `${r.status} ${r2.status} child id ${JSON.stringify(childId)}: ${JSON.stringify(seen)}`);
      // The cancelled request ends without a response (basic/utilities/cancellation), at once: the
      // client's stream closes with nothing on it, and the child's answer (released next) goes
      // nowhere.
      const ended = await hold;
      report.check(ended.status === 200 && !/"result"|"error"/.test(ended.body ?? ''),
        'legacy: the cancelled request ends at once with no response on its stream', `${ended.status} ${ended.body}`);
      await writer.send('tools/call', { name: 'release', arguments: {} });
    } else {
      // The stateless clients share one upstream session: bob's cancellation of "his" id 7 must
      // not cancel alice's request 7 in flight.
      const bob = await open('/mcp', tok('/mcp', 'mcp:write', { sub: 'bob' }));
      // The log is shared with the legacy part's children, whose hold is already in it: wait for
      // this one (bob's release must not overtake it, or nothing is held when it comes).
      const holds = () => received().filter((m) => m.params?.name === 'hold').length;
      const before = holds();
      const hold = raw(P, 'POST', '/mcp', { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
        Authorization: `Bearer ${tok('/mcp', 'mcp:write')}`, 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'hold' },
      { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'hold', arguments: {}, _meta: meta } });
      while (holds() === before) await new Promise((res) => setImmediate(res));
      r = await bob.send('notifications/cancelled', { requestId: 7, reason: 'not yours' }, { notification: true });
      const released = await bob.send('tools/call', { name: 'release', arguments: {} });
      const held = await hold;
      report.check(r.status === 202 && released.status === 200 && held.status === 200 && !received().some((m) => m.method === 'notifications/cancelled' && !m.params?.reason?.startsWith('legacy:')),
        'current: notifications/cancelled from a stateless client never reaches the shared upstream (another principal\'s request 7 completes)',
        `${r.status} ${held.status} ${JSON.stringify(received().filter((m) => m.method === 'notifications/cancelled'))}`);
      r = await reader.raw({ jsonrpc: '2.0', id: 'mcpgate:0:1', result: { tag: 'forged' } });
      report.check(r.status === 400, 'current: a JSON-RPC response from the client (no server requests in 2026-07-28) is refused 400', `${r.status}`);
    }

    // Resource URIs: judged and forwarded in one canonical form (RFC 3986 §6.2.2).
    const canon = [
      ['res://public/1', 'res://public/1'],
      ['RES://PUBLIC/1', 'res://public/1'],
      ['res://Public/%41', 'res://public/A'],
      ['res://public/%7e%2a', 'res://public/~%2A'],
      ['res://public/./1', 'res://public/1'],
      ['res://public/a/../1', 'res://public/1'],
      ['res://public/a/%2E%2E/2', 'res://public/2'],
      ['res://public/a/..', 'res://public/'],
    ];
    for (const [sent, canonical] of canon) {
      const before = received().length;
      r = await reader.send('resources/read', { uri: sent });
      const got = received().slice(before).filter((m) => m.method === 'resources/read').map((m) => m.params.uri);
      report.check(r.status === 200 && got.length === 1 && got[0] === canonical, `${era}: ${sent} is judged and forwarded as ${canonical}`, `${r.status} ${JSON.stringify(got)} ${r.body.slice(0, 120)}`);
    }
    const refused = [
      'res://public/../secret/1', 'res://public/%2e%2e/secret/1', 'res://public/%2E%2E/secret/1', 'res://public/.%2e/secret/1',
      'res://public/a/../../secret/1', 'res://public/..%2fsecret/1', 'res://public/%2Fsecret', 'res://public/1%00', 'res://public/1\u0000',
      'res://public/..\\secret/1', 'res://public/%252e%252e/secret/1', 'res://public/%zz', 'res://public/\u0007', 'res://public/../',
    ];
    for (const uri of refused) {
      const before = received().length;
      r = await reader.send('resources/read', { uri });
      const got = received().slice(before).filter((m) => m.method === 'resources/read');
      report.check(r.status === 400 && r.json?.error?.code === -32602 && got.length === 0,
        `${era}: ${JSON.stringify(uri)} cannot be matched unambiguously → 400, never forwarded`, `${r.status} ${r.body.slice(0, 160)} ${JSON.stringify(got)}`);
    }
    r = await reader.send('completion/complete', { ref: { type: 'ref/resource', uri: 'res://public/../secret/{id}' }, argument: { name: 'id', value: '' } });
    report.check(r.status === 400 && !received().some((m) => m.method === 'completion/complete' && m.params?.ref?.uri?.includes('secret')),
      `${era}: completion/complete for a traversing resource template is refused`, `${r.status}`);
    if (era === 'legacy') {
      r = await reader.send('resources/subscribe', { uri: 'res://public/%2e%2e/secret/1' });
      report.check(r.status === 400, 'legacy: resources/subscribe normalizes like resources/read', `${r.status}`);
    }
    r = await reader.send('resources/list', {});
    const listed = (r.json?.result?.resources ?? []).map((x) => x.uri).sort();
    report.check(JSON.stringify(listed) === JSON.stringify(['RES://PUBLIC/2', 'res://public/1']),
      `${era}: resources/list drops items whose URI escapes or cannot be normalized, keeps the equivalent spelling`, JSON.stringify(listed));

    // Tool and prompt names: one canonical form; invisible characters never reach the upstream.
    const names = ['delete_all ', ' delete_all', 'delete_all\t', 'delete_all\n', 'delete\u0000_all', 'delete_all\u200b', 'delete_all\u00a0', 'delete_\u202eall', ''];
    for (const name of names) {
      const before = received().length;
      r = await writer.send('tools/call', { name, arguments: {} });
      const got = received().slice(before).filter((m) => m.method === 'tools/call' && m.params?.name !== 'read_file');
      report.check(r.status === 400 && got.length === 0, `${era}: tool name ${JSON.stringify(name)} refused 400, never forwarded`, `${r.status} ${r.body.slice(0, 120)}`);
    }
    r = await writer.send('tools/call', { name: 'delete_all', arguments: {} });
    report.check(r.status === 403, `${era}: the denied tool by its exact name is still 403`, `${r.status}`);
    r = await writer.send('tools/call', { name: 'write_file', arguments: {} });
    report.check(r.status === 200 && !r.json?.error, `${era}: a canonical tool name is allowed and forwarded`, `${r.status}`);
    r = await reader.send('prompts/get', { name: 'greet ' });
    report.check(r.status === 400, `${era}: a prompt name with trailing whitespace is refused`, `${r.status}`);
    r = await reader.send('prompts/get', { name: 'greet' });
    report.check(r.status === 200, `${era}: prompts/get greet allowed`, `${r.status}`);

    // An HTTP upstream gets the canonical form in the body and, in 2026-07-28, in Mcp-Name.
    const webC = await open('/web', tok('/web', 'mcp:read'));
    r = await webC.send('resources/read', { uri: 'RES://Public/a/%2E%2E/%41' });
    const webGot = (existsSync(webLog) ? readFileSync(webLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [])
      .filter((m) => m.method === 'resources/read').at(-1);
    report.check(r.status === 200 && webGot?.params?.uri === 'res://public/A' && (era === 'legacy' || webGot?._headers?.name === 'res://public/A'),
      `${era}: an HTTP upstream receives the canonical URI${era === 'legacy' ? '' : ' in the body and in Mcp-Name'}`, `${r.status} ${JSON.stringify(webGot)}`);
    // One request id follows the call: the client's X-Request-Id, the upstream's, the audit line's.
    const rid = r.headers['x-request-id'];
    const ridAudit = auditLines().filter((l) => l.request_id === rid);
    report.check(/^[A-Za-z0-9_-]+-[0-9]+$/.test(rid ?? '') && webGot?._headers?.requestId === rid && ridAudit.length === 1 && ridAudit[0].method === 'resources/read',
      `${era}: the answer's X-Request-Id is the one the HTTP upstream received and the audit record names`, `${rid} ${webGot?._headers?.requestId} ${JSON.stringify(ridAudit)}`);
    r = await webC.send('resources/read', { uri: 'res://public/%2e%2e/secret' });
    report.check(r.status === 400, `${era}: an HTTP upstream is protected the same way`, `${r.status}`);

    // Without a policy: authentication alone, but a request method sent as a notification is malformed.
    const openC = await open('/open', tok('/open', 'mcp:read'));
    r = await openC.send('tools/call', { name: 'delete_all', arguments: { tag: `${era}-open` } }, { notification: true });
    report.check(r.status === 400 && await barrier(openC) && !sawCall((m) => m.params?.arguments?.tag === `${era}-open`),
      `${era}: no policy — a tools/call notification is still refused and not forwarded`, `${r.status}`);
    r = await openC.send('x/custom', { tag: `${era}-open-x` });
    report.check(r.status === 200 && received().some((m) => m.params?.tag === `${era}-open-x`),
      `${era}: no policy — an unknown request method is forwarded (authentication alone)`, `${r.status}`);

    // Step-up on an endpoint with required_scopes: one 403 naming every scope needed.
    const lacking = tok('/step', 'profile');
    const stepped = era === 'legacy' ? await open('/step', lacking, tok('/step', 'mcp:read')) : await open('/step', lacking);
    r = await stepped.send('tools/call', { name: 'write_file', arguments: {} });
    report.check(r.status === 403 && wa(r).includes('error="insufficient_scope"') && JSON.stringify(challengeScopes(r)) === '["mcp:read","mcp:write"]',
      `${era}: a token with neither the baseline nor the tool's scope gets one 403 naming both (scope="mcp:write mcp:read")`, `${r.status} ${wa(r)}`);
    r = await stepped.send('tools/call', { name: 'read_file', arguments: {} });
    report.check(r.status === 403 && JSON.stringify(challengeScopes(r)) === '["mcp:read"]', `${era}: when the operation needs only the baseline, it is named once`, `${r.status} ${wa(r)}`);
    r = await stepped.send('tools/call', { name: 'delete_all', arguments: {} });
    report.check(r.status === 403 && JSON.stringify(challengeScopes(r)) === '["mcp:read"]', `${era}: a forbidden tool without the baseline → the baseline challenge only`, `${r.status} ${wa(r)}`);
    r = await stepped.send('tools/list', {});
    report.check(r.status === 403 && JSON.stringify(challengeScopes(r)) === '["mcp:read"]', `${era}: an authentication-only method without the baseline → baseline challenge`, `${r.status} ${wa(r)}`);
    const steppedReader = await open('/step', tok('/step', 'mcp:read'));
    r = await steppedReader.send('tools/call', { name: 'write_file', arguments: {} });
    report.check(r.status === 403 && JSON.stringify(challengeScopes(r)) === '["mcp:read","mcp:write"]', `${era}: with the baseline, the write tool's challenge adds the baseline`, `${r.status} ${wa(r)}`);
  }
  const r = await raw(P, 'POST', '/step', { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${tok('/step', 'profile')}` },
    { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'b', version: '1' } } });
  report.check(r.status === 403 && JSON.stringify(challengeScopes(r)) === '["mcp:read"]', 'initialize without the baseline → 403 naming the baseline', `${r.status} ${wa(r)}`);

  // The audit log's lines: RFC 3339 UTC time with milliseconds, a plain decimal latency, a request id.
  const rawLines = readFileSync(audit, 'utf8').trim().split('\n');
  report.check(rawLines.length > 10 && rawLines.every((l) => /"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/.test(l) && /"latency_ms":\d+\.\d{3}}$/.test(l)),
    'audit lines carry an RFC 3339 time with milliseconds and a plain decimal latency', rawLines.slice(0, 2).join(' | '));
  report.check(auditLines().every((l) => /^[A-Za-z0-9_-]+-[0-9]+$/.test(l.request_id)), 'every audit line has a request id',
    JSON.stringify(auditLines().find((l) => !l.request_id)));
  const ids = new Set(auditLines().filter((l) => l.method === 'tools/call').map((l) => l.request_id));
  report.check(ids.size === auditLines().filter((l) => l.method === 'tools/call').length, 'request ids are distinct per request');

  // Nothing that reached the upstream names a resource outside res://public/ or a tool with odd characters.
  const all = received();
  report.check(!all.some((m) => JSON.stringify(m.params ?? {}).includes('secret')), 'the upstream never saw a URI that names the secret resources');
  report.check(all.filter((m) => m.method === 'tools/call').every((m) => m.id !== undefined && /^[A-Za-z0-9_.-]+$/.test(m.params?.name)),
    'every tools/call that reached the upstream is a request with a canonical name');
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw.stop();
  await web.stop();
}

// Methods named by a rule: allowed only as the rule says, even under `default: allow`.
const gw2 = await startGateway(`servers:
  - name: custom
    path: /mcp
${authBlock()}
    policy:
      default: allow
      rules:
        - { id: custom, methods: ["x/allowed", "notifications/x-allowed"], scopes: [mcp:read] }
${upstreamBlock}
`).catch((e) => { report.check(false, 'a rule naming only methods is accepted', String(e).slice(0, 300)); return null; });
if (gw2) {
  try {
    const url = `http://127.0.0.1:${gw2.port}/mcp`;
    const t = (scope) => issuer.mint({ iss: ISS, sub: 'alice', aud: url, client_id: 'c', scope });
    const h = (token, method) => ({ 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${token}`,
      'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method });
    const send = (token, method, params, notification = false) => raw(gw2.port, 'POST', '/mcp', h(token, method), { jsonrpc: '2.0', ...(notification ? {} : { id: 1 }), method, params: { ...params, _meta: meta } });
    let r = await send(t('mcp:read'), 'x/allowed', { tag: 'm1' });
    report.check(r.status === 200 && received().some((m) => m.params?.tag === 'm1'), 'a method named by a rule is forwarded when the rule is met', `${r.status} ${r.body.slice(0, 120)}`);
    r = await send(t('openid'), 'x/allowed', { tag: 'm2' });
    report.check(r.status === 403 && challengeScopes(r).includes('mcp:read') && !received().some((m) => m.params?.tag === 'm2'),
      'a method named by a rule, without its scope → 403 insufficient_scope', `${r.status} ${wa(r)}`);
    r = await send(t('mcp:read'), 'x/other', { tag: 'm3' });
    report.check(r.status === 403 && !received().some((m) => m.params?.tag === 'm3'), 'an unknown method no rule names fails closed even with default: allow', `${r.status}`);
    r = await send(t('mcp:read'), 'notifications/x-allowed', { tag: 'm4' }, true);
    report.check(r.status === 202, 'a notification named by a rule is accepted', `${r.status}`);
    r = await send(t('mcp:read'), 'notifications/x-other', { tag: 'm5' }, true);
    report.check(r.status === 403, 'a notification no rule names is refused', `${r.status}`);
    r = await raw(gw2.port, 'POST', '/mcp', { ...h(t('mcp:read'), 'tools/call'), 'Mcp-Name': 'read_file' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'read_file', arguments: {}, _meta: meta } });
    report.check(r.status === 200 && received().some((m) => m.params?.tag === 'm4') && !received().some((m) => m.params?.tag === 'm5'),
      'only the notification the rule names reached the upstream', `${r.status}`);
  } catch (e) {
    report.check(false, 'unexpected exception', e?.stack ?? String(e));
  } finally {
    await gw2.stop();
  }
}
report.finish();

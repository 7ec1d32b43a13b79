// Every method that reaches a tool, resource or prompt is enforced, in both protocol eras, and
// every list is filtered by the same rules — against the CRM example (examples/crm) as a stdio
// upstream. Each refusal is checked for its status, challenge and reason.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report, raw, root, startGateway, tempDir, testIssuer } from './lib.mjs';

const report = new Report('policy-enforcement');
const dir = tempDir();
const issuer = testIssuer(dir);
writeFileSync(join(dir, 'jwks.json'), issuer.jwks);
const ISS = 'https://issuer.test';
const gw = await startGateway(`servers:
  - name: crm
    path: /mcp
    auth:
      scopes_supported: [mcp:read, mcp:write]
      issuers: [{ issuer: ${ISS}, algorithms: [ES256], jwks_file: ${join(dir, 'jwks.json')} }]
    policy:
      scope_hierarchy: { "mcp:write": [mcp:read] }
      rules:
        - { id: no-export, effect: deny, tools: ["export_*"] }
        - { id: read-tools, tools: ["get_*", "search_*"], scopes: [mcp:read] }
        - { id: edit-tools, tools: ["update_*"], scopes: [mcp:write], claims: { groups: crm-editors } }
        - { id: records, resources: ["crm://customers/{id}"], scopes: [mcp:read] }
        - { id: summaries, prompts: ["summarize_*"], scopes: [mcp:read] }
    upstreams:
      - name: crm
        stdio: { command: ["${join(root, 'build/release/examples/crm/crm_server')}", "--stdio"] }
`);
const P = gw.port;
const RES = gw.url;
const tok = (scope, extra = {}) => issuer.mint({ iss: ISS, sub: 'alice', aud: RES, client_id: 'c', scope, ...extra });
const reader = tok('mcp:read');
const editor = tok('mcp:write', { groups: ['crm-editors'] });
const nobody = tok('openid');
const wa = (r) => r.headers['www-authenticate'] ?? '';

// One call in each era; returns { status, json, headers }.
const eras = {
  legacy: async (token) => {
    const h = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${token}` };
    const init = await raw(P, 'POST', '/mcp', h, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'p', version: '1' } } });
    const s = { ...h, 'Mcp-Session-Id': init.headers['mcp-session-id'], 'MCP-Protocol-Version': '2025-11-25' };
    await raw(P, 'POST', '/mcp', s, { jsonrpc: '2.0', method: 'notifications/initialized' });
    return (method, params) => raw(P, 'POST', '/mcp', s, { jsonrpc: '2.0', id: 1, method, params });
  },
  current: async (token) => (method, params) => {
    const name = method === 'resources/read' ? params.uri : (method === 'tools/call' || method === 'prompts/get') ? params.name : undefined;
    const h = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${token}`,
      'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method, ...(name ? { 'Mcp-Name': name } : {}) };
    return raw(P, 'POST', '/mcp', h, { jsonrpc: '2.0', id: 1, method, params: { ...params,
      _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } });
  },
};

try {
  for (const [era, open] of Object.entries(eras)) {
    const asReader = await open(reader);
    const asEditor = await open(editor);
    const asNobody = await open(nobody);
    const allowed = (r) => r.status === 200 && !r.json?.error;
    const step = (r, scope) => r.status === 403 && wa(r).includes('error="insufficient_scope"') && new RegExp(`scope="[^"]*${scope}`).test(wa(r));
    const forbidden = (r, rule) => r.status === 403 && !wa(r) && r.json?.error?.message?.includes(`rule ${rule}`);

    let r = await asReader('tools/call', { name: 'get_customer', arguments: { id: '1' } });
    report.check(allowed(r) && JSON.stringify(r.json.result).includes('Ada'), `${era}: tools/call read tool allowed (read-tools)`, r.body.slice(0, 150));
    r = await asReader('tools/call', { name: 'update_customer', arguments: { id: '1', tier: 'x' } });
    report.check(forbidden(r, 'edit-tools'), `${era}: tools/call write tool, reader outside crm-editors → 403 forbidden (no step-up)`,
      `${r.status} ${wa(r)} ${r.body}`);
    const asGroupReader = await open(tok('mcp:read', { groups: ['crm-editors'] }));
    r = await asGroupReader('tools/call', { name: 'update_customer', arguments: { id: '1', tier: 'x' } });
    report.check(step(r, 'mcp:write') && /scope="[^"]*mcp:read/.test(wa(r)), `${era}: tools/call write tool, editor with mcp:read → 403 insufficient_scope mcp:write (+ baseline)`,
      `${r.status} ${wa(r)}`);
    r = await asEditor('tools/call', { name: 'update_customer', arguments: { id: '2', notes: era } });
    report.check(allowed(r) && JSON.stringify(r.json.result).includes('Updated'), `${era}: tools/call write tool allowed for an editor`, r.body.slice(0, 150));
    r = await asEditor('tools/call', { name: 'export_customers', arguments: {} });
    report.check(forbidden(r, 'no-export'), `${era}: tools/call explicitly denied tool → 403, rule named`, `${r.status} ${r.body}`);
    r = await asEditor('tools/call', { name: 'delete_customer', arguments: { id: '3' } });
    report.check(forbidden(r, 'default'), `${era}: tools/call tool no rule allows → 403 default deny`, `${r.status} ${r.body}`);

    r = await asReader('resources/read', { uri: 'crm://customers/1' });
    report.check(allowed(r) && JSON.stringify(r.json.result).includes('Ada'), `${era}: resources/read allowed (records)`, r.body.slice(0, 150));
    r = await asNobody('resources/read', { uri: 'crm://customers/1' });
    report.check(step(r, 'mcp:read'), `${era}: resources/read without mcp:read → 403 insufficient_scope`, `${r.status} ${wa(r)}`);
    r = await asReader('resources/read', { uri: 'file:///etc/passwd' });
    report.check(forbidden(r, 'default'), `${era}: resources/read outside the rules → 403`, `${r.status} ${r.body}`);

    r = await asReader('prompts/get', { name: 'summarize_customer', arguments: { id: '1' } });
    report.check(allowed(r), `${era}: prompts/get allowed (summaries)`, r.body.slice(0, 150));
    r = await asNobody('prompts/get', { name: 'summarize_customer', arguments: { id: '1' } });
    report.check(step(r, 'mcp:read'), `${era}: prompts/get without mcp:read → 403 insufficient_scope`, `${r.status} ${wa(r)}`);

    r = await asNobody('completion/complete', { ref: { type: 'ref/prompt', name: 'summarize_customer' }, argument: { name: 'id', value: '' } });
    report.check(step(r, 'mcp:read'), `${era}: completion/complete for a prompt is judged as the prompt`, `${r.status} ${wa(r)}`);
    r = await asNobody('completion/complete', { ref: { type: 'ref/resource', uri: 'crm://customers/{id}' }, argument: { name: 'id', value: '' } });
    report.check(r.status === 403, `${era}: completion/complete for a resource template is judged as the resource`, `${r.status} ${wa(r)}`);

    if (era === 'legacy') {
      r = await asNobody('resources/subscribe', { uri: 'crm://customers/1' });
      report.check(step(r, 'mcp:read'), 'legacy: resources/subscribe enforced like resources/read', `${r.status} ${wa(r)}`);
      r = await asReader('resources/unsubscribe', { uri: 'file:///etc/passwd' });
      report.check(forbidden(r, 'default'), 'legacy: resources/unsubscribe enforced', `${r.status} ${r.body}`);
    }

    r = await asReader('tools/list', {});
    const tools = (r.json?.result?.tools ?? []).map((t) => t.name).sort();
    report.check(JSON.stringify(tools) === '["get_customer","search_customers"]', `${era}: tools/list shows a reader only read tools`, tools.join(','));
    r = await asEditor('tools/list', {});
    const etools = (r.json?.result?.tools ?? []).map((t) => t.name).sort();
    report.check(JSON.stringify(etools) === '["get_customer","search_customers","update_customer"]', `${era}: tools/list for an editor adds update_customer, never export or delete`, etools.join(','));
    r = await asNobody('resources/templates/list', {});
    report.check(r.status === 200 && (r.json?.result?.resourceTemplates ?? []).length === 0, `${era}: resources/templates/list filtered to nothing without mcp:read`, r.body.slice(0, 200));
    r = await asReader('resources/templates/list', {});
    report.check((r.json?.result?.resourceTemplates ?? []).some((t) => t.uriTemplate === 'crm://customers/{id}'), `${era}: resources/templates/list shows the allowed template`, r.body.slice(0, 200));
    r = await asNobody('prompts/list', {});
    report.check(r.status === 200 && (r.json?.result?.prompts ?? []).length === 0, `${era}: prompts/list filtered`, r.body.slice(0, 200));
    if (era === 'current') report.check(r.json?.result?.cacheScope === 'private', 'current: filtered lists are cacheScope private');
  }
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw.stop();
}
report.finish();

// Tasks through the gateway (2026-07-28 extension io.modelcontextprotocol/tasks, SEP-2663). The
// upstream (everything_server over stdio, one process shared by every stateless client) sees
// only the gateway, so the gateway binds each task id to the principal whose tools/call created
// it: another principal asking for the id gets exactly the answer for an id that never existed,
// and every task method is judged as a tools/call of the task's tool (the extension's security
// considerations: bind taskId to the authenticated principal; check permissions on every
// tasks/get, tasks/update and tasks/cancel). Mcp-Name carries params.taskId (SEP-2663, transports
// "Standard Headers").
// Regression: task methods passed on authentication alone, so any principal holding a task id
// could read, answer or cancel another's task.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Report, raw, root, startGateway, tempDir, testIssuer } from './lib.mjs';

const report = new Report('task-binding');
const dir = tempDir();
const issuer = testIssuer(dir);
writeFileSync(join(dir, 'jwks.json'), issuer.jwks);
const ISS = 'https://issuer.test';
const audit = join(dir, 'audit.jsonl');
const everything = join(root, 'build/release/examples/everything/everything_server');
const gw = await startGateway(`audit_log: ${audit}
servers:
  - name: tasks
    path: /mcp
    auth:
      scopes_supported: [mcp:read, mcp:write]
      issuers: [{ issuer: ${ISS}, algorithms: [ES256], jwks_file: ${join(dir, 'jwks.json')} }]
    policy:
      rules:
        - { id: compute, tools: [slow_compute, failing_job], scopes: [mcp:read] }
        - { id: deletes, tools: [confirm_delete], scopes: [mcp:write] }
    upstreams:
      - name: everything
        stdio: { command: ["${everything}", "--stdio"] }
  - name: two
    path: /two
    auth:
      scopes_supported: [mcp:read, mcp:write]
      issuers: [{ issuer: ${ISS}, algorithms: [ES256], jwks_file: ${join(dir, 'jwks.json')} }]
    upstreams:
      - name: a
        stdio: { command: ["${everything}", "--stdio"] }
      - name: b
        stdio: { command: ["${everything}", "--stdio"] }
`);
const P = gw.port;
const aud = `http://127.0.0.1:${P}/mcp`;
const tok = (sub, scope) => issuer.mint({ iss: ISS, sub, aud, client_id: 'agent', scope });
const alice = tok('alice', 'mcp:read mcp:write');
const aliceReadOnly = tok('alice', 'mcp:read');
const bob = tok('bob', 'mcp:read mcp:write');
const auditLines = () => (existsSync(audit) ? readFileSync(audit, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

const caps = { elicitation: {}, extensions: { 'io.modelcontextprotocol/tasks': {} } };
const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': caps };
let nextId = 1;
const send = (token, method, params, o = {}) => {
  const name = 'name' in o ? o.name : (method === 'tools/call' ? params.name : params.taskId);
  return raw(P, 'POST', o.path ?? '/mcp', {
    'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${token}`,
    'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method, ...(name !== undefined ? { 'Mcp-Name': name } : {}),
  }, { jsonrpc: '2.0', id: nextId++, method, params: { ...params, _meta: meta } });
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// The answer with its id removed: two refusals compared byte for byte apart from the request id.
const sansId = (r) => JSON.stringify({ status: r.status, error: r.json?.error });

try {
  // alice starts a task.
  let r = await send(alice, 'tools/call', { name: 'slow_compute', arguments: { seconds: 1.5, label: 'alice' } });
  const created = r.json?.result;
  report.check(r.status === 200 && created?.resultType === 'task' && typeof created?.taskId === 'string',
    'a task-supporting tools/call through the gateway answers a CreateTaskResult', r.body);
  const taskId = created?.taskId;

  r = await send(alice, 'tasks/get', { taskId });
  report.check(r.status === 200 && r.json?.result?.taskId === taskId && ['working', 'completed'].includes(r.json?.result?.status),
    'its creator reads it with tasks/get', r.body);

  // bob, with every scope, learns nothing from alice's id: the same answer as an invented one.
  const foreign = await send(bob, 'tasks/get', { taskId });
  const invented = await send(bob, 'tasks/get', { taskId: 'f'.repeat(32) });
  report.check(foreign.status === 400 && foreign.json?.error?.code === -32602 && foreign.json?.error?.message === 'Unknown task',
    "another principal's tasks/get for the id → 400 -32602 Unknown task", foreign.body);
  report.check(sansId(foreign) === sansId({ ...invented, json: { error: { ...invented.json?.error, data: { taskId } } } }),
    'that answer equals the one for an id that never existed (no oracle)', `${sansId(foreign)} vs ${sansId(invented)}`);
  r = await send(bob, 'tasks/cancel', { taskId });
  report.check(r.status === 400 && r.json?.error?.code === -32602, "another principal's tasks/cancel → Unknown task", r.body);
  r = await send(bob, 'tasks/update', { taskId, inputResponses: {} });
  report.check(r.status === 400 && r.json?.error?.code === -32602, "another principal's tasks/update → Unknown task", r.body);
  report.check(auditLines().some((l) => l.method === 'tasks/get' && l.subject === 'bob' && l.decision === 'deny' && l.rule === 'task-binding'),
    "the foreign id is in the audit log (rule task-binding)", JSON.stringify(auditLines().slice(-3)));

  // bob's cancel reached nothing: alice's task runs to completion.
  let status = '';
  for (let i = 0; i < 40 && status !== 'completed' && status !== 'cancelled'; i++) {
    await sleep(150);
    r = await send(alice, 'tasks/get', { taskId });
    status = r.json?.result?.status ?? '';
  }
  report.check(status === 'completed' && JSON.stringify(r.json?.result).includes('Computed alice'),
    "alice's task completed with its result (the foreign cancel never reached it)", r.body);

  // Judged as a tools/call of the task's tool: a write task needs mcp:write to answer or cancel.
  r = await send(alice, 'tools/call', { name: 'confirm_delete', arguments: { filename: 'ledger.csv' } });
  const writeTask = r.json?.result?.taskId;
  report.check(r.status === 200 && typeof writeTask === 'string', 'alice (mcp:write) starts a confirm_delete task', r.body);
  for (let i = 0; i < 20; i++) {
    r = await send(alice, 'tasks/get', { taskId: writeTask });
    if (r.json?.result?.status === 'input_required') break;
    await sleep(100);
  }
  report.check(r.json?.result?.status === 'input_required', 'the task asks for confirmation (input_required)', r.body);
  r = await send(aliceReadOnly, 'tasks/update', { taskId: writeTask, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } });
  const wa = r.headers['www-authenticate'] ?? '';
  report.check(r.status === 403 && /insufficient_scope/.test(wa) && /mcp:write/.test(wa),
    "the same user with a read-only token: tasks/update of a write tool's task → 403 insufficient_scope mcp:write", `${r.status} ${wa}`);
  r = await send(aliceReadOnly, 'tasks/cancel', { taskId: writeTask });
  report.check(r.status === 403, "…and tasks/cancel of it → 403", `${r.status}`);
  r = await send(alice, 'tasks/get', { taskId: writeTask });
  report.check(r.json?.result?.status === 'input_required', 'the write task was not touched by the refused calls', r.body);
  r = await send(alice, 'tasks/update', { taskId: writeTask, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } });
  report.check(r.status === 200 && r.json?.result !== undefined, 'with mcp:write the answer goes through', r.body);
  for (let i = 0; i < 20; i++) {
    r = await send(alice, 'tasks/get', { taskId: writeTask });
    if (r.json?.result?.status === 'completed') break;
    await sleep(100);
  }
  report.check(r.json?.result?.status === 'completed' && JSON.stringify(r.json?.result).includes('Deleted ledger.csv'),
    'and the task completes with its result', r.body);

  // Several upstreams: the merged server/discover declares the extension, and a task created by the
  // second upstream is polled there (routed by the registry: task ids carry no prefix).
  const aud2 = `http://127.0.0.1:${P}/two`;
  const alice2 = issuer.mint({ iss: ISS, sub: 'alice', aud: aud2, client_id: 'agent', scope: 'mcp:read' });
  r = await send(alice2, 'server/discover', {}, { path: '/two', name: undefined });
  report.check(r.status === 200 && r.json?.result?.capabilities?.extensions?.['io.modelcontextprotocol/tasks'] !== undefined,
    'a merged server/discover declares the tasks extension its upstreams declare', r.body);
  r = await send(alice2, 'tools/call', { name: 'b_slow_compute', arguments: { seconds: 0.1, label: 'second' } }, { path: '/two' });
  const onB = r.json?.result?.taskId;
  report.check(r.status === 200 && typeof onB === 'string', 'a task created on the second upstream', r.body);
  let st2 = '';
  for (let i = 0; i < 30 && st2 !== 'completed'; i++) {
    r = await send(alice2, 'tasks/get', { taskId: onB }, { path: '/two' });
    st2 = r.json?.result?.status ?? '';
    if (st2 !== 'completed') await sleep(100);
  }
  report.check(st2 === 'completed' && JSON.stringify(r.json?.result).includes('Computed second'), 'tasks/get reaches the upstream that holds the task', r.body);

  // Mcp-Name carries params.taskId (SEP-2663): a mismatch is refused before anything else.
  r = await send(alice, 'tasks/get', { taskId }, { name: 'not-the-task' });
  report.check(r.status === 400 && r.json?.error?.code === -32020, 'tasks/get with an Mcp-Name other than params.taskId → 400 -32020', r.body);
  r = await send(alice, 'tasks/get', { taskId }, { name: undefined });
  report.check(r.status === 400 && r.json?.error?.code === -32020, 'tasks/get without Mcp-Name → 400 -32020', r.body);
} catch (e) {
  report.check(false, 'no exception', e.stack);
} finally {
  await gw.stop();
}
report.finish();

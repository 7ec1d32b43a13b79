// Operating a policy: `mcpgate policy test` and `policy explain` on the example table, and a
// reload while requests run — a broken file is refused (the old policy stays, no request
// fails, the errors are logged), a valid one takes effect without dropping connections.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report, gatewayBin, raw, root, startGateway, tempDir, testIssuer } from './lib.mjs';

const report = new Report('policy-operations');
const everything = join(root, 'tests/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js');

// The operator's table beside the example configuration.
let r = spawnSync(gatewayBin, ['policy', 'test', join(root, 'examples/crm/policy-tests.yaml')], { encoding: 'utf8' });
report.check(r.status === 0 && /^\d+ passed, 0 failed$/m.test(r.stdout), 'policy test: the example table passes', r.stdout + r.stderr);
const dir = tempDir();
const table = readFileSync(join(root, 'examples/crm/policy-tests.yaml'), 'utf8')
  .replace(`config: gateway.yaml`, `config: ${join(root, 'examples/crm/gateway.yaml')}`)
  .replace('    tool: delete_customer\n    expect: forbidden', '    tool: delete_customer\n    expect: allow');
writeFileSync(join(dir, 'wrong.yaml'), table);
r = spawnSync(gatewayBin, ['policy', 'test', join(dir, 'wrong.yaml')], { encoding: 'utf8' });
report.check(r.status === 1 && /FAIL only admins delete/.test(r.stdout) && /1 failed/.test(r.stdout),
  'policy test: a case that comes out differently is reported and the exit code is 1', r.stdout);
r = spawnSync(gatewayBin, ['policy', 'explain', '--config', join(root, 'examples/crm/gateway.yaml'), '--claims',
  '{"sub":"alice","scope":"mcp:read","groups":["crm-editors"]}', '--name', 'update_customer'], { encoding: 'utf8' });
report.check(r.status === 0 && /insufficient_scope/.test(r.stdout) && /rule=edit-tools/.test(r.stdout) && /needs=mcp:write/.test(r.stdout),
  'policy explain prints the decision, the rule and the missing scope', r.stdout);

// Reload while requests run.
const issuer = testIssuer(dir);
writeFileSync(join(dir, 'jwks.json'), issuer.jwks);
// The reload runs under a loop that drives one token far past a normal agent's rate: the
// per-principal rates are off here (quotas.test.mjs covers them).
const body = (echoRule) => `limits: { per_principal: { requests_per_second: 0, tool_calls: { requests_per_second: 0 } } }
servers:
  - name: everything
    path: /mcp
    auth:
      issuers: [{ issuer: https://issuer.test, algorithms: [ES256], jwks_file: ${join(dir, 'jwks.json')} }]
    policy:
      rules:
        - { id: echo, tools: [echo], ${echoRule} }
    upstreams:
      - name: everything
        stdio: { command: ["${process.execPath}", "${everything}", "stdio"] }
`;
const gw = await startGateway(body('scopes: [mcp:read]'));
const token = issuer.mint({ iss: 'https://issuer.test', sub: 'alice', aud: gw.url, scope: 'mcp:read' });
const h = { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${token}`,
  'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'echo' };
const call = (i) => raw(gw.port, 'POST', '/mcp', h, { jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'echo', arguments: { message: `m${i}` },
  _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } });
try {
  r = await call(0);  // the first call starts the upstream child
  report.check(r.status === 200, 'a token with mcp:read may call echo', String(r.status));
  let running = true;
  const statuses = [];
  const loop = (async () => { let i = 0; while (running) statuses.push((await call(++i)).status); })();
  const loop2 = (async () => { let i = 100000; while (running) statuses.push((await call(++i)).status); })();
  await new Promise((res) => setTimeout(res, 300));
  const config = readFileSync(gw.file, 'utf8');
  writeFileSync(gw.file, config.replace('servers:', 'servers: [oops\n  bad: :'));  // broken YAML
  gw.proc.kill('SIGHUP');
  const deadline = Date.now() + 5000;
  while (!/reload \(SIGHUP\) refused/.test(gw.log()) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  await new Promise((res) => setTimeout(res, 700));  // also the file-change watcher sees it
  running = false;
  await Promise.all([loop, loop2]);
  report.check(/reload \(SIGHUP\) refused, keeping the running configuration: .*gateway\.yaml:\d+/.test(gw.log()),
    'the broken configuration is refused and its error logged with file and line', gw.log().split('\n').filter((l) => /reload/.test(l)).join(' | '));
  report.check(statuses.length > 20 && statuses.every((s) => s === 200), `no request failed during the refused reload (${statuses.length} requests)`,
    JSON.stringify([...new Set(statuses)]));
  r = await call(1);
  report.check(r.status === 200, 'the old policy stays in force', String(r.status));

  // A valid change is applied (file watcher) without a restart.
  writeFileSync(gw.file, config.replace('scopes: [mcp:read]', 'scopes: [mcp:admin]'));
  const until = Date.now() + 5000;
  let after;
  do { await new Promise((res) => setTimeout(res, 100)); after = await call(2); } while (after.status === 200 && Date.now() < until);
  report.check(after.status === 403 && /mcp:admin/.test(after.headers['www-authenticate'] ?? ''), 'a valid new policy takes effect on file change',
    `${after.status} ${after.headers['www-authenticate']}`);
  report.check(/reloaded authorization and policy \(file changed\)/.test(gw.log()), 'the reload is logged');
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw.stop();
}
void execFileSync;
report.finish();

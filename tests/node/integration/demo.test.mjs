// `mcpgate demo` and its example client, end to end as a newcomer would run them: the client
// registers, the "browser" signs in as the demo's editor (alice) and approves, the client lists and
// calls tools, is refused an update for missing scope, asks for it, and the update succeeds — in
// the CRM API, which received it with a token exchanged for it (audience the API, crm:write mapped
// from mcp:write, act = the gateway), as its log shows.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from './authserver_helpers.mjs';
import { Report, freePort, gatewayBin, root, stopAndJudge, tempDir } from './lib.mjs';

const report = new Report('demo');
const port = await freePort();
const demo = spawn(gatewayBin, ['demo', '--listen', `127.0.0.1:${port}`, '--data-dir', join(tempDir(), 'demo')], { stdio: ['ignore', 'pipe', 'pipe'] });
let banner = '';
let log = '';
demo.stdout.on('data', (d) => { banner += d; });
demo.stderr.on('data', (d) => { log += d; });
const until = Date.now() + 15000;
while (!log.includes('listening on port') && Date.now() < until && demo.exitCode === null) await new Promise((r) => setTimeout(r, 50));
report.check(/MCP endpoint: +http:\/\/127\.0\.0\.1:\d+\/mcp/.test(banner) && /alice \/ alice-demo-password +\(editor/.test(banner) &&
  /bob \/ bob-demo-password +\(reader/.test(banner) && /demo_client\.mjs/.test(banner),
  'mcpgate demo prints the URL, the users (an editor and a reader) and a client command to try', banner);
const apiUrl = banner.match(/CRM API: +(http:\/\/\S+\/api)/)?.[1];
const apiLog = banner.match(/CRM API log: +(\S+)/)?.[1];

try {
  const client = spawn(process.execPath, [join(root, 'examples/crm/demo_client.mjs'), `http://127.0.0.1:${port}/mcp`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let driven = 0;
  const browser = new Agent();
  const drive = async () => {
    const urls = [...out.matchAll(/^\s+(http:\/\/\S+\/authorize\?\S+)$/gm)].map((m) => m[1]);
    while (driven < urls.length) {
      const url = urls[driven++];
      const back = await browser.authorize(url, { username: 'alice', password: 'alice-demo-password' });
      await fetch(back);  // the browser follows the redirect to the client's loopback callback
    }
  };
  client.stdout.on('data', (d) => { out += d; drive().catch((e) => { out += `\nDRIVE ERROR ${e.message}\n`; }); });
  client.stderr.on('data', (d) => { out += d; });
  const code = await new Promise((r) => {
    const t = setTimeout(() => { client.kill(); r('timeout'); }, 30000);
    client.on('exit', (c) => { clearTimeout(t); r(c); });
  });
  report.check(code === 0, 'the example client finishes', `${code}\n${out}`);
  report.check(/Tools this token may use: .*get_customer/.test(out) && !/Tools this token may use: .*update_customer/.test(out),
    'with mcp:read it sees the read tools only', out);
  report.check(/get_customer 1 → .*Ada Lovelace/.test(out), 'it reads a customer', out);
  report.check(/update_customer was refused \(403/.test(out) && /update_customer 1 → Updated customer 1/.test(out),
    'the update is refused for scope, then succeeds after the user grants mcp:write', out);
  report.check(driven === 2, 'two authorizations: the first sign-in and the step-up', String(driven));
  const lines = readFileSync(apiLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const patch = lines.find((l) => l.method === 'PATCH' && l.path === '/api/customers/1');
  report.check(patch?.status === 200 && patch.token?.aud === apiUrl && patch.token?.sub === 'alice' && patch.token?.act?.sub === 'mcpgate' &&
    patch.token?.scope.split(' ').includes('crm:write'),
    "the update reached the CRM API with a token exchanged for it (aud = the API, alice's crm:write, act = the gateway)", JSON.stringify(patch));
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await stopAndJudge('mcpgate demo', demo, () => log);
}
report.finish();

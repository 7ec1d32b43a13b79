// `mcpgate stdio-proxy` as a desktop client meets it, through the gateway, with a client that
// writes its first messages without waiting for answers: initialize, notifications/initialized
// and a tools/call on consecutive lines, then a line that is not JSON. Pins the bug where the
// proxy sent every message at once on its own thread, so the call left before initialize's answer
// had given it the session id and the gateway refused it ("Mcp-Session-Id header is required").
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Report, gatewayBin, root, startGateway, tempDir } from './lib.mjs';

const report = new Report('stdio proxy');
const everything = join(root, 'tests/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const gw = await startGateway(`servers:
  - name: everything
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: everything
        stdio: { command: ["${process.execPath}", "${everything}", "stdio"] }
`);
try {
  const proxy = spawn(gatewayBin, ['stdio-proxy', gw.url, '--config-dir', join(tempDir(), 'client')], { stdio: ['pipe', 'pipe', 'pipe'] });
  // Listened for from the start: a proxy that dies early must fail the checks, not hang the file.
  let gone = false;
  const exited = new Promise((r) => proxy.on('exit', (code, signal) => { gone = true; r(code ?? signal); }));
  let out = '';
  let err = '';
  proxy.stdout.on('data', (d) => { out += d; });
  proxy.stderr.on('data', (d) => { err += d; });
  const lines = [
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { message: 'pipelined' } } },
  ].map((m) => JSON.stringify(m));
  proxy.stdin.write(`${lines.join('\n')}\nnot json\n`);
  const until = Date.now() + 15000;
  const replies = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  while (replies().filter((r) => r.id !== undefined).length < 3 && !gone && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  proxy.stdin.end();
  const exit = await exited;
  const byId = Object.fromEntries(replies().map((r) => [String(r.id), r]));
  report.check(byId['1']?.result?.protocolVersion === '2025-11-25', 'initialize is answered', out + err);
  report.check(JSON.stringify(byId['2']?.result ?? {}).includes('pipelined'),
    'a call written before initialize was answered goes out in the session and is answered', out + err);
  report.check(byId.null?.error?.code === -32700, 'a line that is not JSON gets a parse error (-32700), and the proxy goes on', out);
  report.check(replies().every((r) => r.jsonrpc === '2.0'), 'standard output carries JSON-RPC only', out);
  report.check(exit === 0, 'the proxy exits 0 when standard input ends', `${exit} ${err}`);
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw.stop();
}
report.finish();

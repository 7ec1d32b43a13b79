// Clients that go away from an open stream: the TypeScript SDK client, one Client per call
// (connect, call, close), leaves its standalone GET stream behind every time it closes. The
// gateway must notice each close at once: the connection is closed (not left in CLOSE-WAIT until
// the next keep-alive write), and so is the upstream stream the gateway held open for it
// (2025-11-25 transports: one GET stream per listening session).
// Read from /proc/net/tcp, so that what is counted is what the kernel holds.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report, freePort, root, startGateway } from './lib.mjs';

const report = new Report('abandoned-streams');
const upPort = await freePort();
const upstream = spawn(join(root, 'build/release/examples/everything/everything_server'), ['--http', `127.0.0.1:${upPort}`],
  { stdio: ['ignore', 'ignore', 'pipe'] });
await new Promise((resolve, reject) => {
  let log = '';
  upstream.stderr.on('data', (d) => { log += d; if (log.includes('listening')) resolve(); });
  upstream.on('exit', () => reject(new Error(`upstream exited: ${log}`)));
});
const gw = await startGateway(`servers:
  - name: everything
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: up
        http: { url: "http://127.0.0.1:${upPort}/mcp" }
`);

// TCP sockets on loopback by state: CLOSE-WAIT (08) on the gateway's port, and ESTABLISHED (01)
// ones whose far end is the upstream's port (the gateway's connections to it).
function sockets() {
  const hex = (p) => p.toString(16).toUpperCase().padStart(4, '0');
  let closeWait = 0, toUpstream = 0;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const local = f[1].split(':')[1], remote = f[2].split(':')[1], state = f[3];
    if (local === hex(gw.port) && state === '08') closeWait++;
    if (remote === hex(upPort) && state === '01') toUpstream++;
  }
  return { closeWait, toUpstream };
}

try {
  // A client that stays keeps its stream: the watch does not mistake an idle client for a gone one.
  const stay = new Client({ name: 'staying', version: '1' });
  await stay.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
  await new Promise((r) => setTimeout(r, 300));
  const kept = await stay.callTool({ name: 'greet', arguments: { name: 'still-here' } });
  report.check(JSON.stringify(kept).includes('still-here'), 'a client that keeps its stream open is served as before');
  await stay.close();

  const calls = 40;
  let ok = 0;
  const failures = [];
  for (let i = 0; i < calls; i++) {
    const client = new Client({ name: 'short-lived', version: '1' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
      const r = await client.callTool({ name: 'greet', arguments: { name: `n${i}` } });
      if (JSON.stringify(r).includes(`n${i}`)) ok++; else failures.push(JSON.stringify(r).slice(0, 120));
      await client.close();
    } catch (e) { failures.push(String(e).slice(0, 160)); }
  }
  report.check(ok === calls, `${calls} short-lived SDK clients each connect, call and close`, failures.join(' | '));

  // Each client's GET stream is abandoned at close(). The gateway's keep-alive comment goes out
  // every 15 s: what is gone within 5 s was noticed by the gateway itself.
  const until = Date.now() + 5000;
  let s = sockets();
  while ((s.closeWait > 0 || s.toUpstream > 4) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    s = sockets();
  }
  report.check(s.closeWait === 0, 'no connection the clients closed is left in CLOSE-WAIT at the gateway', `${s.closeWait} left`);
  report.check(s.toUpstream <= 4, 'the upstream streams held for those clients are closed (a few pooled connections remain)',
    `${s.toUpstream} connections to the upstream`);
} finally {
  if (gw.proc.exitCode === null) await gw.stop();
  upstream.kill('SIGTERM');
}
report.finish();

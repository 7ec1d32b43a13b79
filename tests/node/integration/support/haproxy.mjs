// A private HAProxy in front of gateway replicas for integration tests and benchmarks: a
// configuration in a temporary directory, `haproxy -db` (foreground) on a free loopback port,
// round robin with no stickiness, so consecutive requests of one client land on different
// replicas. stop() ends it and removes the directory. No system service is needed.
//
// Health: each replica's /readyz every 300 ms, so a replica that is draining or dead leaves the
// rotation within about a second; `retry-on conn-failure` with `option redispatch` sends a request
// whose connection was refused (a replica killed a moment ago) to another replica. Only a failed
// connection is retried: a request that reached a replica is never replayed, because the balancer
// cannot know whether its write ran (the replica's own drain answers that case).
//
// The binary is `haproxy` on the PATH (scripts/setup installs Debian's) or $MCPGATE_HAPROXY.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../lib.mjs';

export function haproxyBin() {
  const bin = process.env.MCPGATE_HAPROXY ?? 'haproxy';
  const probe = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`${bin} not found: run scripts/setup (Debian's haproxy)`);
  return bin;
}

// `replicas`: [{ name, port }]. `port`: the balancer's own port (a free one when omitted).
export async function startHaproxy(replicas, { port, healthPath = '/readyz' } = {}) {
  const bin = haproxyBin();
  const listen = port ?? await freePort();
  const stats = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  const servers = replicas.map((r) =>
    `  server ${r.name} 127.0.0.1:${r.port} check inter 300 fall 1 rise 1`).join('\n');
  writeFileSync(file, `global
  maxconn 4000

defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 10s
  retries 3
  option redispatch 1
  retry-on conn-failure

frontend mcp
  bind 127.0.0.1:${listen}
  default_backend replicas

frontend stats
  bind 127.0.0.1:${stats}
  http-request return status 200 content-type text/plain string ok if { path /ping }
  stats enable
  stats uri /stats

backend replicas
  balance roundrobin
  # HTTP/1.1 with a Host the gateway accepts (a loopback listener accepts localhost): its Host
  # guard refuses a request without one, health checks included.
  option httpchk
  http-check send meth GET uri ${healthPath} ver HTTP/1.1 hdr Host localhost
  http-check expect status 200
  # Tells each replica where the request came from, for its logs and limits.
  option forwardfor
${servers}
`);
  const proc = spawn(bin, ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d.toString(); });
  const deadline = Date.now() + 10000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`haproxy exited: ${log}`);
    const up = await fetch(`http://127.0.0.1:${stats}/ping`).then((r) => r.ok).catch(() => false);
    if (up) break;
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`haproxy did not start: ${log}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port: listen,
    proc,
    url: `http://127.0.0.1:${listen}`,
    log: () => log,
    // The CSV statistics: per server, its status (UP/DOWN) and how many sessions it served.
    servers: async () => {
      const csv = await fetch(`http://127.0.0.1:${stats}/stats;csv`).then((r) => r.text());
      const lines = csv.split('\n');
      const head = lines[0].replace(/^# /, '').split(',');
      const at = (name) => head.indexOf(name);
      return lines.slice(1).map((l) => l.split(',')).filter((f) => f[at('pxname')] === 'replicas' && f[at('svname')] !== 'BACKEND' && f[at('svname')] !== 'FRONTEND')
        .map((f) => ({ name: f[at('svname')], status: f[at('status')], sessions: Number(f[at('stot')]) }));
    },
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.on('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

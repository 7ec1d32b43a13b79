// A private Redis server for integration tests: redis-server on a free loopback port, no
// persistence, its working directory a temporary one. stop() ends it (the port stays reserved for
// restart(), which starts it again on the same port); close() ends it and removes the directory.
//
// redis-server comes from $MCPGATE_REDIS_SERVER or PATH. Without it `startRedis` throws with a
// message that says so, and the test fails (scripts/setup installs it).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../lib.mjs';

export function redisInstalled() {
  if (process.env.MCPGATE_REDIS_SERVER) return true;
  return spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0;
}

const accepts = (port) => new Promise((resolve) => {
  const s = net.connect({ port, host: '127.0.0.1' }, () => { s.destroy(); resolve(true); });
  s.on('error', () => resolve(false));
});

export async function startRedis() {
  if (!redisInstalled()) throw new Error('redis-server not found (PATH or $MCPGATE_REDIS_SERVER): run scripts/setup');
  const bin = process.env.MCPGATE_REDIS_SERVER || 'redis-server';
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-redis-'));
  const port = await freePort();
  let proc = null;
  const launch = async () => {
    proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', dir, '--logfile', join(dir, 'log')], { stdio: 'ignore' });
    // No "wait until listening" flag: poll the port, bounded.
    const deadline = Date.now() + 10000;
    while (!(await accepts(port))) {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start (log: ${dir}/log)`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const stop = async () => {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const p = proc;
    await new Promise((r) => { p.on('exit', r); p.kill('SIGTERM'); });
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    restart: launch,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// One command over RESP2 on a new connection (enough for PUBLISH in a test); resolves the reply's
// first line.
export function redisCommand(port, ...args) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      const i = buf.indexOf('\r\n');
      if (i >= 0) { s.destroy(); resolve(buf.slice(0, i)); }
    });
    s.on('error', reject);
    s.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`);
  });
}

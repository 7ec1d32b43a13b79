// A private redis-server for integration tests: a free loopback port, a temporary working
// directory, no persistence. stop() ends it (clients see their connections close) and start()
// brings it back on the same port; close() ends it for good and removes the directory. No system
// service is needed; redis-server comes from $MCPGATE_REDIS_SERVER or PATH, and without it this
// throws: the test fails rather than skips (scripts/setup installs it).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../lib.mjs';

function answersPing(port) {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let data = '';
    s.setTimeout(500, () => { s.destroy(); resolve(false); });
    s.on('error', () => resolve(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => { data += d; if (data.includes('\r\n')) { s.end(); resolve(data.startsWith('+PONG')); } });
  });
}

export async function startRedis() {
  const bin = process.env.MCPGATE_REDIS_SERVER ?? 'redis-server';
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-redis-'));
  const port = await freePort();
  let child = null;
  const redis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
        '--appendonly', 'no'], { stdio: 'ignore' });
      const failed = new Promise((_, reject) => child.once('error', (e) => reject(new Error(`${bin}: ${e.message} (run scripts/setup)`))));
      const ready = (async () => {
        for (let i = 0; i < 100; ++i) {
          if (await answersPing(port)) return;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error('redis-server did not answer PING');
      })();
      await Promise.race([ready, failed]);
    },
    async stop() {
      if (!child) return;
      const c = child;
      child = null;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    },
    async close() {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await redis.start();
  return redis;
}

// A private PostgreSQL server for integration tests: initdb in a temporary directory, postgres on
// a free loopback port with its Unix socket inside that directory; stop() shuts it down and
// removes the directory. No system service is needed. PostgreSQL refuses to run as root, so under
// root (CI) it runs as the package's `postgres` user on a directory that user owns.
//
// The binaries come from $MCPGATE_PG_BIN or /usr/lib/postgresql/<version>/bin. Without them this
// throws: the test fails rather than skips (scripts/setup installs PostgreSQL).
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../lib.mjs';

function serverBin() {
  if (process.env.MCPGATE_PG_BIN) return process.env.MCPGATE_PG_BIN;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'postgres'))) : [];
  versions.sort((a, b) => Number(a) - Number(b));
  if (!versions.length) throw new Error('PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin or $MCPGATE_PG_BIN): run scripts/setup');
  return join(base, versions.at(-1), 'bin');
}

function postgresUser() {
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('running as root and there is no postgres user to run PostgreSQL as');
  return { uid: Number(r.stdout), gid: Number(g.stdout) };
}

export async function startPostgres() {
  const bin = serverBin();
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-pg-'));
  const asRoot = process.getuid() === 0;
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
  const run = (tool, args) => {
    const cmd = asRoot ? 'runuser' : join(bin, tool);
    const full = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    return spawnSync(cmd, full, { encoding: 'utf8' });
  };
  const data = join(dir, 'data');
  const fail = (message) => {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(message);
  };
  const init = run('initdb', ['-D', data, '-U', 'mcpgate', '-A', 'trust', '--no-sync']);
  if (init.status !== 0) fail(`initdb failed: ${init.stderr?.trim()}`);
  let port = 0;
  const opts = (p) => `-p ${p} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  // -w: returns once the server accepts connections.
  const startServer = (p) => run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', opts(p), 'start']);
  for (let attempt = 0; attempt < 5 && !port; attempt++) {
    const p = await freePort();
    if (startServer(p).status === 0) port = p;
  }
  if (!port) fail('postgres did not start');
  return {
    port,
    url: `postgresql://mcpgate@127.0.0.1:${port}/postgres`,
    // An outage: the server stops (connections are cut) and later starts again on the same port
    // with the same data.
    pause() {
      const r = run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      if (r.status !== 0) throw new Error(`pg_ctl stop: ${r.stderr}`);
    },
    resume() {
      const r = startServer(port);
      if (r.status !== 0) throw new Error(`pg_ctl start: ${r.stderr}`);
    },
    stop() {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Shared helpers for the integration tests: start the gateway on a free loopback port with a
// generated configuration, and report results as "ok"/"not ok" lines with a final count.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { scratchDir } from './support/scratch.mjs';

export const root = new URL('../../..', import.meta.url).pathname;
export const gatewayBin = process.env.MCPGATE_BIN ?? join(root, 'build/release/mcpgate');

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

// A gateway asked to stop must stop cleanly: exit 0 after SIGTERM, and no sanitizer report in its
// log (under ASan a use-after-free during shutdown only shows there, and in the exit status).
// Every stop is judged, and Report.finish() turns the verdicts into one check per file.
const SANITIZER = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/;
const stops = [];

// Sends SIGTERM to `proc` (a gateway or `mcpgate demo`), waits until it has exited and its
// standard error has been read to the end (a sanitizer report is the last thing written), and
// judges the stop. `log()` returns what has been read of its standard error.
export async function stopAndJudge(name, proc, log) {
  const wasRunning = proc.exitCode === null && proc.signalCode === null;
  proc.kill('SIGTERM');
  if (proc.exitCode === null && proc.signalCode === null) await new Promise((r) => proc.once('exit', r));
  // (At most 2 s: a process of its own that inherited the pipe would hold it open.)
  if (proc.stderr && !proc.stderr.readableEnded) {
    await new Promise((r) => { proc.stderr.once('close', r); setTimeout(r, 2000).unref(); });
  }
  const text = log();
  const at = text.search(SANITIZER);
  const problems = [];
  if (wasRunning && proc.exitCode !== 0) problems.push(`exit ${proc.exitCode ?? proc.signalCode} after SIGTERM`);
  if (at >= 0) problems.push(`sanitizer report:\n${text.slice(Math.max(0, at - 200), at + 3000)}`);
  stops.push({ name, problems });
}

export async function startGateway(yamlBody) {
  const port = await freePort();
  const dir = scratchDir();
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, `listen: 127.0.0.1:${port}\n${yamlBody}`);
  const proc = spawn(gatewayBin, ['serve', '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d.toString(); });
  const deadline = Date.now() + 10000;
  while (!log.includes('listening on port')) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`gateway did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    file,
    proc,
    url: `http://127.0.0.1:${port}/mcp`,
    log: () => log,
    stop: () => stopAndJudge(`gateway on port ${port}`, proc, () => log),
  };
}

export class Report {
  constructor(name) { this.name = name; this.passed = 0; this.failed = 0; }
  check(cond, what, detail = '') {
    if (cond) { this.passed++; console.log(`ok - ${this.name}: ${what}`); }
    else { this.failed++; console.log(`not ok - ${this.name}: ${what}${detail ? ` (${detail})` : ''}`); }
  }
  finish() {
    if (stops.length) {
      const bad = stops.filter((x) => x.problems.length);
      this.check(bad.length === 0, `every process stopped cleanly (${stops.length}: exit 0 after SIGTERM, no sanitizer report)`,
        bad.map((x) => `${x.name}: ${x.problems.join('; ')}`).join('\n'));
    }
    console.log(`${this.passed} passed, ${this.failed} failed`);
    process.exit(this.failed ? 1 : 0);
  }
}

// A raw HTTP request with full control of the headers (fetch forbids setting Host).
import http from 'node:http';
export function raw(port, method, path, headers = {}, body = undefined) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(data); } catch { /* not JSON */ }
        if (!json && (res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          // The last JSON-RPC message of an SSE body: the reply.
          const datas = data.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).filter(Boolean);
          try { json = JSON.parse(datas[datas.length - 1]); } catch { /* not JSON */ }
        }
        resolve({ status: res.statusCode, headers: res.headers, body: data, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

// Keys and tokens for tests, through the product's own testing tool (`mcpgate token mint`).
import { generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
export function testIssuer(dir, kid = 'k1') {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyFile = join(dir, `${kid}-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const jwks = execFileSync(gatewayBin, ['token', 'mint', '--key', keyFile, '--kid', kid, '--jwks']).toString().trim();
  return {
    keyFile,
    jwks,
    mint(claims, opts = {}) {
      const args = ['token', 'mint', '--key', keyFile, '--kid', opts.kid ?? kid, '--claims', JSON.stringify(claims)];
      if (opts.lifetime) args.push('--lifetime', String(opts.lifetime));
      return execFileSync(gatewayBin, args).toString().trim();
    },
  };
}
export function tempDir() { return scratchDir(); }

// Graceful drain on SIGTERM, /healthz and /readyz (docs/deployment.md, "Health, readiness and drain").
// Regression: SIGTERM under load exited within half a second and the calls in flight got
// 502 "Upstream unavailable: upstream session closed" (the upstream sessions were closed before
// the requests using them had finished): in a rolling deploy a client could not tell whether its
// write ran. Now: readiness fails at once, the listener closes, in-flight calls finish within the
// grace, the ones still running at its end get a clear error, streams end with an SSE `retry:`
// hint, and a rolling restart of every replica under load fails no call.
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report, freePort, gatewayBin, root } from './lib.mjs';
import { scratchDir } from './support/scratch.mjs';

const report = new Report('drain');
const upPort = await freePort();
const upstream = spawn(join(root, 'build/release/examples/everything/everything_server'), ['--http', `127.0.0.1:${upPort}`],
  { stdio: 'ignore' });
const children = [upstream];

// One request on its own connection (no agent: a pooled connection would hide what the server
// does with its connections).
function request(port, method, path, headers = {}, body = undefined) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(data); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, body: data, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}
const until = async (cond, ms = 10000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
};
await until(async () => { try { await request(upPort, 'GET', '/healthz'); return true; } catch { return false; } });

// A gateway on a given port (a restarted replica keeps its port); `drain`: its drain settings
// (none: the defaults, grace 20 s and no delay).
async function gateway(port, drain, upstreamYaml = `http: { url: "http://127.0.0.1:${upPort}/mcp" }`) {
  const dir = scratchDir();
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, `listen: 127.0.0.1:${port}
${drain ? `drain: ${drain}` : ''}
servers:
  - name: everything
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: everything
        ${upstreamYaml}
`);
  const proc = spawn(gatewayBin, ['serve', '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(proc);
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal, at: Date.now() })));
  if (!await until(() => log.includes('listening on port') || proc.exitCode !== null)) throw new Error(log);
  if (proc.exitCode !== null) throw new Error(`gateway did not start:\n${log}`);
  return { port, proc, exited, log: () => log };
}

// Stateless (2026-07-28) calls: any replica can answer them.
const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
const modern = (name) => ({ 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
  'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': name });
const callTool = (port, id, name, args) =>
  request(port, 'POST', '/mcp', modern(name), { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: meta } });
const inFlight = async (port) => {
  const r = await request(port, 'GET', '/metrics');
  const line = r.body.split('\n').find((l) => l.startsWith('mcpgate_upstream_in_flight{'));
  return line ? Number(line.split(' ').pop()) : 0;
};
const refused = (port) => new Promise((resolve) => {
  const s = net.connect(port, '127.0.0.1');
  s.on('connect', () => { s.destroy(); resolve(false); });
  s.on('error', (e) => resolve(e.code === 'ECONNREFUSED'));
});

try {
  // (a) A slow call in flight at SIGTERM completes with its result; new connections are refused
  // meanwhile; the process exits 0 well within the grace.
  {
    const gw = await gateway(await freePort(), '');
    const slow = callTool(gw.port, 1, 'slow_compute', { seconds: 3, label: 'in-flight' });
    await until(async () => (await inFlight(gw.port)) === 1);
    const t0 = Date.now();
    gw.proc.kill('SIGTERM');
    report.check(await until(() => refused(gw.port), 1200), 'while a call is in flight, a new connection is refused (the listener closed)');
    const r = await slow;
    report.check(r.status === 200 && /Computed in-flight/.test(JSON.stringify(r.json?.result ?? {})),
      'the call in flight at SIGTERM completes: 200 and its result', `${r.status} ${r.body}`);
    report.check(r.headers.connection === 'close', 'its response says Connection: close', r.headers.connection);
    const exit = await gw.exited;
    report.check(exit.code === 0, 'the process exits 0 after the drain', JSON.stringify(exit));
    report.check(exit.at - t0 < 6000, 'it exits once the call is done, not at the end of the grace', `${exit.at - t0} ms`);
  }

  // The same through a stdio upstream: its child gets to answer before it is stopped.
  {
    const gw = await gateway(await freePort(), '',
      `stdio: { command: ["${join(root, 'build/release/examples/everything/everything_server')}", "--stdio"] }`);
    const slow = callTool(gw.port, 2, 'slow_compute', { seconds: 1, label: 'stdio-child' });
    await until(async () => (await inFlight(gw.port)) === 1);
    gw.proc.kill('SIGTERM');
    const r = await slow;
    report.check(r.status === 200 && /Computed stdio-child/.test(JSON.stringify(r.json?.result ?? {})),
      'stdio upstream: the call in flight at SIGTERM gets its reply from the child before the child is stopped', `${r.status} ${r.body}`);
    report.check((await gw.exited).code === 0, 'stdio upstream: the process exits 0');
  }

  // /healthz and /readyz; readiness turns 503 at once while the listener stays open for the
  // delay; an open SSE stream ends with a `retry:` hint.
  {
    const gw = await gateway(await freePort(), '{ grace_seconds: 10, delay_seconds: 1, retry_ms: 2500 }');
    let r = await request(gw.port, 'GET', '/healthz');
    report.check(r.status === 200, '/healthz → 200 while serving');
    r = await request(gw.port, 'GET', '/readyz');
    report.check(r.status === 200 && r.json?.status === 'ready' &&
      r.json.probes.some((p) => p.name === 'draining' && p.ok && p.required), '/readyz → 200, JSON with each named probe', r.body);
    // A legacy session and its standalone GET stream.
    const base = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
    r = await request(gw.port, 'POST', '/mcp', base, { jsonrpc: '2.0', id: 0, method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'd', version: '1' } } });
    const h = { ...base, 'Mcp-Session-Id': r.headers['mcp-session-id'], 'MCP-Protocol-Version': '2025-11-25' };
    await request(gw.port, 'POST', '/mcp', h, { jsonrpc: '2.0', method: 'notifications/initialized' });
    let streamStarted;
    const started = new Promise((res) => { streamStarted = res; });
    const stream = new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: gw.port, method: 'GET', path: '/mcp', agent: false,
        headers: { ...h, Accept: 'text/event-stream' } }, (res) => {
        let data = '';
        streamStarted(res.statusCode);
        res.on('data', (d) => { data += d; });
        res.on('end', () => resolve(data));
      });
      req.on('error', reject);
      req.end();
    });
    report.check(await started === 200, 'a standalone SSE stream is open');
    gw.proc.kill('SIGTERM');
    let ready;
    await until(async () => { ready = await request(gw.port, 'GET', '/readyz'); return ready.status === 503; }, 900);
    report.check(ready.status === 503 && ready.json?.status === 'not ready' &&
      ready.json.probes.some((p) => p.name === 'draining' && !p.ok), 'after SIGTERM, /readyz → 503 with the draining probe failing', ready.body);
    report.check(ready.headers.connection === 'close', 'responses during the drain say Connection: close');
    const body = await stream;
    report.check(/^retry: 2500$/m.test(body), 'the open SSE stream ends with `retry: 2500` (2025-11-25 transports, SEP-1699: SHOULD send retry before closing)', JSON.stringify(body));
    const exit = await gw.exited;
    report.check(exit.code === 0, 'the process exits 0 after the delay', JSON.stringify(exit));
  }

  // (b) A call still running at the grace deadline gets a clear error, not a dropped connection,
  // and the process still exits.
  {
    const gw = await gateway(await freePort(), '{ grace_seconds: 1, delay_seconds: 0 }');
    const slow = callTool(gw.port, 7, 'slow_compute', { seconds: 30, label: 'too-slow' });
    await until(async () => (await inFlight(gw.port)) === 1);
    const t0 = Date.now();
    gw.proc.kill('SIGTERM');
    let r;
    try { r = await slow; } catch (e) { r = { status: 0, body: String(e) }; }
    report.check(r.status === 502 && r.json?.id === 7 && r.json?.error?.code === -32000 &&
      r.json?.error?.data?.reason === 'shutting_down' && /may have taken effect/.test(r.json?.error?.message),
    'a call cut at the grace deadline → 502, -32000, data.reason shutting_down, saying it may have taken effect', `${r.status} ${r.body}`);
    const exit = await gw.exited;
    report.check(exit.code === 0 && exit.at - t0 < 4000, 'the process exits 0 soon after the grace deadline', `${JSON.stringify(exit)} ${exit.at - t0} ms`);
  }

  // A second SIGTERM during the drain exits at once.
  {
    const gw = await gateway(await freePort(), '{ grace_seconds: 30, delay_seconds: 0 }');
    const slow = callTool(gw.port, 8, 'slow_compute', { seconds: 30 }).catch(() => null);
    await until(async () => (await inFlight(gw.port)) === 1);
    gw.proc.kill('SIGTERM');
    await until(() => refused(gw.port), 2000);
    const t0 = Date.now();
    gw.proc.kill('SIGTERM');
    const exit = await gw.exited;
    report.check(exit.code !== 0 && exit.at - t0 < 2000, 'a second SIGTERM during the drain exits at once (non-zero)', `${JSON.stringify(exit)} ${exit.at - t0} ms`);
    await slow;
  }

  // (c) Rolling restart under load: two replicas behind a round-robin TCP balancer that tries the
  // next backend when a connection is refused (HAProxy's `option redispatch`); each replica in
  // turn gets SIGTERM and is started again while clients call tools continuously.
  {
    const ports = [await freePort(), await freePort()];
    const drain = '';
    const replicas = [await gateway(ports[0], drain), await gateway(ports[1], drain)];
    let next = 0;
    // What happened at the balancer, for a failure's report: which backend a connection went to
    // and how that ended when it ended badly.
    const t0 = Date.now();
    const events = [];
    const note = (what) => { events.push(`+${Date.now() - t0} ms ${what}`); if (events.length > 400) events.shift(); };
    const balancer = net.createServer((client) => {
      client.pause();
      // The first backend by round robin, then the next ones in turn for this connection alone: a
      // counter shared with the other connections could hand a retry the refusing backend again
      // each time (a burst of reconnections during a restart did, six times in a row).
      const first = next++;
      const attempt = (tries) => {
        const port = ports[(first + ports.length * 3 - tries) % ports.length];
        const up = net.connect(port, '127.0.0.1');
        up.once('error', (e) => {
          if (tries > 1 && e.code === 'ECONNREFUSED') attempt(tries - 1);
          else { note(`connect to ${port} failed: ${e.code}`); client.destroy(); }
        });
        up.once('connect', () => {
          let answered = false;
          up.once('data', () => { answered = true; });
          up.once('end', () => { if (!answered) note(`${port} closed a connection without answering`); });
          up.on('error', (e) => { note(`${port} connection error ${e.code}${answered ? '' : ' before answering'}`); client.destroy(); });
          client.on('error', () => up.destroy());
          client.pipe(up);
          up.pipe(client);
          client.resume();
        });
      };
      attempt(ports.length * 3);
    });
    await new Promise((r) => balancer.listen(0, '127.0.0.1', r));
    const lb = balancer.address().port;

    let running = true;
    let ok = 0;
    const failures = [];
    let id = 1000;
    const worker = async () => {
      while (running) {
        const myId = id++;
        const slowOne = myId % 3 === 0;
        try {
          const r = slowOne ? await callTool(lb, myId, 'slow_compute', { seconds: 0.3, label: `c${myId}` })
            : await callTool(lb, myId, 'greet', { name: `c${myId}` });
          const text = JSON.stringify(r.json?.result ?? {});
          if (r.status === 200 && r.json?.id === myId && text.includes(`c${myId}`)) ok++;
          else failures.push(`${r.status} ${r.body.slice(0, 200)}`);
        } catch (e) {
          failures.push(`${String(e)} at +${Date.now() - t0} ms`);
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    const exits = [];
    await until(() => ok >= 20);
    const logs = [];
    for (let i = 0; i < replicas.length; i++) {
      const before = ok;
      note(`SIGTERM to ${ports[i]}`);
      replicas[i].proc.kill('SIGTERM');
      exits.push(await replicas[i].exited);
      note(`${ports[i]} exited`);
      logs.push(replicas[i].log());
      replicas[i] = await gateway(ports[i], drain);
      note(`${ports[i]} listening again`);
      await until(() => ok >= before + 40);  // the restarted replica takes its share again
    }
    running = false;
    await Promise.all(workers);
    balancer.close();
    for (const r of replicas) { r.proc.kill('SIGTERM'); await r.exited; }
    report.check(exits.every((e) => e.code === 0), 'every replica exits 0 after its drain', JSON.stringify(exits));
    report.check(failures.length === 0 && ok > 100, `rolling restart of both replicas under load: ${ok} calls, zero failed`,
      `${failures.length} failed: ${failures.slice(0, 3).join(' | ')}`);
    if (failures.length) {
      console.log(`# balancer: ${events.slice(-40).join('\n# ')}`);
      for (const l of logs) console.log(`# drained replica's log:\n# ${l.trim().split('\n').slice(-6).join('\n# ')}`);
    }
  }
} catch (e) {
  report.check(false, 'no exception', e.stack);
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
report.finish();

// An https MCP upstream that requires a client certificate: the TypeScript SDK's Streamable HTTP
// server behind Node's https, with a certificate from a throw-away CA made by openssl at test
// time. The gateway reaches it with the CA from `tls.ca_file` and presents its own certificate
// (mutual TLS); replies stream back as SSE (a notification, then the result), and requests share
// pooled keep-alive connections. Without the client certificate, or without the CA, the upstream
// is unreachable and the reason is named by `check-config --probe`. With HTTPS_PROXY set, the
// connection goes through a CONNECT proxy, TLS end to end inside the tunnel.
import { execFile } from 'node:child_process';
import net from 'node:net';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { Report, gatewayBin, startGateway } from './lib.mjs';
import { legacyRequest, stopWithin } from './support/mcp_client.mjs';
import { makeCa } from './support/test_ca.mjs';

const report = new Report('tls-upstream');
const ca = makeCa('mcpgate upstream CA');
const serverCert = ca.issue('upstream', { sans: ['IP:127.0.0.1', 'DNS:mcp.proxied.test'] });
const clientCert = ca.issue('mcpgate-client', { sans: ['DNS:mcpgate-client'] });

// What the upstream saw: the client certificate's subject and the TLS connection of each request.
const seen = [];
const sockets = new Set();
const upstream = https.createServer({ key: serverCert.key, cert: serverCert.cert, ca: ca.pem, requestCert: true, rejectUnauthorized: true },
  async (req, res) => {
    if (req.method !== 'POST') { res.statusCode = 405; res.end(); return; }
    sockets.add(req.socket);
    seen.push(req.socket.getPeerCertificate()?.subject?.CN);
    let text = '';
    for await (const chunk of req) text += chunk;
    const server = new McpServer({ name: 'tls-upstream', version: '1.0.0' }, { capabilities: { logging: {} } });
    server.registerTool('echo', { description: 'Echoes its message', inputSchema: { message: z.string() } }, async ({ message }, extra) => {
      await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: `about to echo ${message}` } });
      return { content: [{ type: 'text', text: `echo over TLS: ${message}` }] };
    });
    // Stateless, SSE replies (the SDK's default): the notification travels before the result.
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => { transport.close(); server.close(); });
    await server.connect(transport);
    await transport.handleRequest(req, res, JSON.parse(text));
  });
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const url = `https://127.0.0.1:${upstream.address().port}/mcp`;
const mtls = `{ ca_file: ${ca.certFile}, client_cert_file: ${clientCert.certFile}, client_key_file: ${clientCert.keyFile} }`;
const endpoint = (name, tls) => `  - name: ${name}
    path: /${name}
    auth: { anonymous: true }
    upstreams:
      - name: up
        http: { url: "${url}", tls: ${tls} }
`;

function probe(yaml) {
  const file = join(ca.dir, `probe-${Date.now()}.yaml`);
  writeFileSync(file, yaml);
  return new Promise((resolve) => execFile(gatewayBin, ['check-config', '--probe', file], (err, stdout, stderr) =>
    resolve({ code: err ? err.code : 0, out: stdout + stderr })));
}

// A forward proxy that opens CONNECT tunnels, resolving every name to loopback (so a name that
// does not resolve here is reachable only through it).
const tunnels = [];
const proxy = http.createServer((_req, res) => { res.statusCode = 405; res.end(); });
proxy.on('connect', (req, client, head) => {
  tunnels.push(req.url);
  const port = Number(req.url.split(':').pop());
  const target = net.connect(port, '127.0.0.1', () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) target.write(head);
    target.pipe(client);
    client.pipe(target);
  });
  target.on('error', () => client.destroy());
  client.on('error', () => target.destroy());
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));

let gw = null;
let proxied = null;
try {
  gw = await startGateway(`servers:\n${endpoint('mtls', mtls)}${endpoint('nocert', `{ ca_file: ${ca.certFile} }`)}`);
  const P = gw.port;

  // 1. tools/call through the https upstream, the reply streamed as SSE.
  const results = [];
  for (let i = 0; i < 3; i++) results.push(await legacyRequest(P, '/mtls', undefined, 'tools/call', { name: 'echo', arguments: { message: `m${i}` } }));
  const r = results[0];
  report.check(r.init.status === 200 && r.reply?.status === 200 && r.reply.body.includes('echo over TLS: m0'),
    'tools/call reaches the https upstream and its result comes back', `${r.init.status} ${r.reply?.status} ${r.reply?.body.slice(0, 300)}`);
  report.check((r.reply?.headers['content-type'] ?? '').startsWith('text/event-stream') && r.reply.body.includes('about to echo m0') &&
    r.reply.body.indexOf('about to echo m0') < r.reply.body.indexOf('echo over TLS: m0'),
    'the SSE relay over TLS: the notification, then the result', r.reply?.body.slice(0, 400));
  report.check(seen.length >= 6 && seen.every((cn) => cn === 'mcpgate-client'),
    'every upstream request came with the gateway\'s client certificate (mutual TLS)', JSON.stringify(seen));
  report.check(sockets.size < seen.length,
    'upstream requests share pooled keep-alive TLS connections', `${seen.length} requests on ${sockets.size} connections`);

  // 2. Without a client certificate the upstream refuses the handshake: a JSON-RPC error, not a hang.
  const before = seen.length;
  const refused = await legacyRequest(P, '/nocert', undefined, 'tools/list');
  report.check(refused.init.status !== 200 || refused.init.json?.error, 'without a client certificate the upstream is unreachable (error answered)',
    `${refused.init.status} ${refused.init.body.slice(0, 200)}`);
  report.check(seen.length === before, 'no request reached the upstream without the client certificate', String(seen.length - before));

  // 3. check-config --probe names what works and why the rest does not.
  const pr = await probe(`listen: 127.0.0.1:1\nservers:\n${endpoint('mtls', mtls)}${endpoint('noca', '{ server_name: 127.0.0.1 }')}`);
  report.check(pr.code === 1 && /^ok +upstream up https:\/\/127\.0\.0\.1:\d+\/mcp: HTTP 200/m.test(pr.out) &&
    /^FAIL upstream up https:\/\/127\.0\.0\.1:\d+\/mcp: .*unknown certificate authority/m.test(pr.out),
    'check-config --probe: the mutual-TLS upstream answers; without the CA: "unknown certificate authority"', pr.out);

  // 4. HTTPS_PROXY: the upstream's name resolves only at the proxy; the gateway tunnels with
  // CONNECT and verifies the upstream's certificate itself.
  const proxiedUrl = `https://mcp.proxied.test:${upstream.address().port}/mcp`;
  process.env.HTTPS_PROXY = `http://127.0.0.1:${proxy.address().port}`;
  try {
    proxied = await startGateway(`servers:
  - name: proxied
    path: /proxied
    auth: { anonymous: true }
    upstreams:
      - name: up
        http: { url: "${proxiedUrl}", tls: ${mtls} }
`);
  } finally {
    delete process.env.HTTPS_PROXY;
  }
  const viaProxy = await legacyRequest(proxied.port, '/proxied', undefined, 'tools/call', { name: 'echo', arguments: { message: 'via-proxy' } });
  report.check(viaProxy.reply?.status === 200 && viaProxy.reply.body.includes('echo over TLS: via-proxy') &&
    tunnels.length > 0 && tunnels.every((t) => t === `mcp.proxied.test:${upstream.address().port}`),
    'with HTTPS_PROXY the upstream is reached through a CONNECT tunnel (TLS end to end)', `${viaProxy.reply?.status} ${JSON.stringify(tunnels)}`);
} catch (e) {
  report.check(false, 'test ran to the end', `${e?.stack ?? e}\n${gw?.log() ?? ''}${proxied?.log() ?? ''}`);
} finally {
  await stopWithin(gw);
  await stopWithin(proxied);
  proxy.close();
  upstream.closeAllConnections?.();
  upstream.close();
}
report.finish();

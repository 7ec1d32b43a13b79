// The TypeScript SDK client (a real MCP client) through the gateway to the reference
// "everything" server (npm @modelcontextprotocol/server-everything) run as a stdio child:
// lists tools, calls echo, relays a sampling request both ways, and survives the child being
// killed mid-request.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import { Report, root, startGateway } from './lib.mjs';

const everything = join(root, 'tests/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const report = new Report('sdk-through-gateway');
const gw = await startGateway(`servers:
  - name: everything
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: everything
        stdio: { command: ["${process.execPath}", "${everything}", "stdio"] }
`);

try {
  const client = new Client({ name: 'it-client', version: '1.0.0' }, { capabilities: { sampling: {} } });
  let samplingSeen = null;
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    samplingSeen = req.params;
    return { role: 'assistant', content: { type: 'text', text: 'sampled-by-client' }, model: 'test-model', stopReason: 'endTurn' };
  });
  const transport = new StreamableHTTPClientTransport(new URL(gw.url));
  await client.connect(transport);
  report.check(typeof transport.sessionId === 'string' && transport.sessionId.length >= 16, 'gateway issued a session id');

  const tools = await client.listTools();
  const names = tools.tools.map((t) => t.name);
  report.check(names.includes('echo'), 'tools/list reaches the upstream', names.join(','));

  const echo = await client.callTool({ name: 'echo', arguments: { message: 'hello through the gateway' } });
  report.check(JSON.stringify(echo.content).includes('hello through the gateway'), 'tools/call echo', JSON.stringify(echo.content));

  const sampled = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'ping-sample', maxTokens: 10 } });
  report.check(samplingSeen && JSON.stringify(samplingSeen).includes('ping-sample'), 'server→client sampling request reached the client');
  report.check(JSON.stringify(sampled.content).includes('sampled-by-client'), "the client's sampling answer reached the server", JSON.stringify(sampled.content));

  // Kill the upstream child in the middle of a long request.
  const pids = [...gw.log().matchAll(/started pid (\d+)/g)].map((m) => Number(m[1]));
  const pid = pids[pids.length - 1];
  const t0 = Date.now();
  const slow = client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 20, steps: 20 } }, undefined, { timeout: 30000 })
    .then(() => ({ ok: true }), (e) => ({ ok: false, error: e, at: Date.now() }));
  await new Promise((r) => setTimeout(r, 500));
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  const outcome = await slow;
  const waited = (outcome.at ?? Date.now()) - killedAt;
  report.check(!outcome.ok, 'the request in flight when the child died got an error', String(outcome.error));
  report.check(waited < 1000, 'the error came within a second of the child dying', `${waited} ms`);
  void t0;

  const again = await client.callTool({ name: 'echo', arguments: { message: 'after restart' } });
  report.check(JSON.stringify(again.content).includes('after restart'), 'the next request succeeds on the restarted child');
  const restarted = [...gw.log().matchAll(/started pid (\d+)/g)].map((m) => Number(m[1]));
  report.check(restarted.length > pids.length && !restarted.slice(pids.length).includes(pid), 'a new child process was started');
  await client.close();
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw.stop();
}
report.finish();

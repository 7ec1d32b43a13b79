// Several upstreams behind one endpoint: names prefixed per upstream, lists merged, calls
// routed by prefix, and a server→client request from the second upstream answered through it.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import { Report, root, startGateway } from './lib.mjs';

const everything = join(root, 'tests/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const report = new Report('aggregation');
const gw = await startGateway(`servers:
  - name: both
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: one
        stdio: { command: ["${process.execPath}", "${everything}", "stdio"] }
      - name: two
        prefix: "t2."
        request_timeout_ms: 1000
        stdio: { command: ["${process.execPath}", "${everything}", "stdio"] }
`);

try {
  const client = new Client({ name: 'agg', version: '1.0.0' }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({ role: 'assistant', content: { type: 'text', text: 'from-client' }, model: 'm' }));
  await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
  const names = (await client.listTools()).tools.map((t) => t.name);
  report.check(names.includes('one_echo') && names.includes('t2.echo'), 'tools from both upstreams, each with its prefix', names.join(','));
  report.check(!names.includes('echo'), 'no unprefixed names leak through');
  const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
  report.check(prompts.some((p) => p.startsWith('one_')) && prompts.some((p) => p.startsWith('t2.')), 'prompts merged with prefixes', prompts.join(','));
  const r1 = await client.callTool({ name: 'one_echo', arguments: { message: 'to-one' } });
  report.check(JSON.stringify(r1.content).includes('to-one'), 'one_echo routed to the first upstream');
  const r2 = await client.callTool({ name: 't2.echo', arguments: { message: 'to-two' } });
  report.check(JSON.stringify(r2.content).includes('to-two'), 't2.echo routed to the second upstream');
  const s = await client.callTool({ name: 't2.trigger-sampling-request', arguments: { prompt: 'p' } });
  report.check(JSON.stringify(s.content).includes('from-client'), 'a sampling request from the second upstream is answered through it');
  let err = null;
  try { await client.callTool({ name: 'nobody_echo', arguments: {} }); } catch (e) { err = e; }
  report.check(err && /Unknown name/.test(String(err)), 'a name no upstream owns is refused', String(err));
  // Each upstream's own request_timeout_ms bounds the calls routed to it (the first upstream's
  // bounded them all before): two allows 1 s, one the default.
  const long = { duration: 2, steps: 1 };
  let late = null;
  try { await client.callTool({ name: 't2.trigger-long-running-operation', arguments: long }); } catch (e) { late = e; }
  report.check(late && /-32001|did not answer in time/.test(String(late)), 'a 2 s call to two (request_timeout_ms 1000) times out', String(late));
  const slow = await client.callTool({ name: 'one_trigger-long-running-operation', arguments: long });
  report.check(!slow.isError, 'the same 2 s call to one (default timeout) is answered', JSON.stringify(slow).slice(0, 200));
  await client.close();
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
} finally {
  await gw.stop();
}

// Policy behind aggregation (docs/policy.md, "Names"): a rule names a tool as its upstream does,
// without the prefix the client sees, and `upstreams:` picks the upstream. A glob written with the
// prefix matches nothing.
const gated = await startGateway(`servers:
  - name: both
    path: /mcp
    auth: { anonymous: true }
    policy:
      default: deny
      rules:
        - { id: echo-of-two, tools: [echo], upstreams: [two] }
        - { id: written-with-the-prefix, tools: ["one_*"] }
    upstreams:
      - name: one
        stdio: { command: ["${process.execPath}", "${everything}", "stdio"] }
      - name: two
        prefix: "t2."
        stdio: { command: ["${process.execPath}", "${everything}", "stdio"] }
`);
try {
  const client = new Client({ name: 'agg-policy', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(gated.url)));
  const names = (await client.listTools()).tools.map((t) => t.name);
  report.check(names.length === 1 && names[0] === 't2.echo',
    'policy: the list holds only the tool a rule names by its upstream name and upstream', names.join(','));
  const r = await client.callTool({ name: 't2.echo', arguments: { message: 'allowed' } });
  report.check(JSON.stringify(r.content).includes('allowed'), 'policy: t2.echo is allowed by the rule naming echo on upstream two');
  let err = null;
  try { await client.callTool({ name: 'one_echo', arguments: { message: 'x' } }); } catch (e) { err = e; }
  report.check(err && /policy/i.test(String(err)), 'policy: one_echo is refused (same tool, other upstream; the prefixed glob matches nothing)', String(err));
  await client.close();
} catch (e) {
  report.check(false, 'unexpected exception (policy)', e?.stack ?? String(e));
} finally {
  await gated.stop();
}
report.finish();

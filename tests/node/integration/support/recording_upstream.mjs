// A stdio MCP server (2025-11-25) that records every message it receives, as one JSON line in
// the file named by its first argument, before it acts on it. Tests read that file to learn
// exactly what reached the upstream through the gateway. It executes whatever it is asked: a
// tools/call notification runs the tool just like a request (the hostile case a gateway must
// never let through), and it answers any method, known or not.
//
// Ordering: the log line is written synchronously before the reply, and a stdio pipe is ordered,
// so once a client has the reply to a later request every earlier message that was forwarded is
// already in the file.
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const logFile = process.argv[2];
const send = (m) => process.stdout.write(`${JSON.stringify(m)}\n`);
const reply = (id, result) => send({ jsonrpc: '2.0', id, result });
const text = (s) => ({ content: [{ type: 'text', text: s }] });

const tools = [
  { name: 'read_file', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } },
  { name: 'write_file', inputSchema: { type: 'object' } },
  { name: 'delete_all', inputSchema: { type: 'object' } },
];

let held = null;  // a `hold` call answered only when `release` comes (an in-flight request, no timers)

createInterface({ input: process.stdin }).on('line', (line) => {
  appendFileSync(logFile, `${line}\n`);
  let m;
  try { m = JSON.parse(line); } catch { return; }
  if (m.method === undefined) return;  // an answer to a request of ours (we send none)
  const p = m.params ?? {};
  const isRequest = m.id !== undefined;
  const answer = (result) => { if (isRequest) reply(m.id, result); };
  switch (m.method) {
    case 'initialize':
      answer({ protocolVersion: '2025-11-25', capabilities: { tools: {}, resources: { subscribe: true }, prompts: {}, completions: {} },
        serverInfo: { name: 'recording', version: '1' } });
      return;
    case 'server/discover':
      send({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'Method not found' } });
      return;
    case 'tools/list': answer({ tools }); return;
    case 'tools/call':
      if (p.name === 'hold') { held = m.id; return; }
      if (p.name === 'release' && held !== null) { reply(held, text('released')); held = null; }
      answer(text(`executed ${p.name}`));
      return;
    case 'resources/list':
      answer({ resources: [
        { uri: 'res://public/1', name: 'one' },
        { uri: 'res://public/../secret/1', name: 'traversal' },
        { uri: 'res://public/%2e%2e/secret/2', name: 'encoded traversal' },
        { uri: 'res://public/a%2Fb', name: 'encoded slash' },
        { uri: 'RES://PUBLIC/2', name: 'upper case' },
      ] });
      return;
    case 'resources/templates/list': answer({ resourceTemplates: [] }); return;
    case 'resources/read': answer({ contents: [{ uri: p.uri, text: `contents of ${p.uri}` }] }); return;
    case 'resources/subscribe': case 'resources/unsubscribe': answer({}); return;
    case 'prompts/list': answer({ prompts: [{ name: 'greet' }] }); return;
    case 'prompts/get': answer({ messages: [{ role: 'user', content: { type: 'text', text: `prompt ${p.name}` } }] }); return;
    case 'completion/complete': answer({ completion: { values: [] } }); return;
    default: answer({ echoed: m.method });
  }
});

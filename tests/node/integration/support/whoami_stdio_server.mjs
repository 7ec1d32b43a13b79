// A tiny stdio MCP server (newline-delimited JSON-RPC on stdin/stdout) that reports who it runs
// for: its tool `whoami` answers its pid and the claims of the JWT in the environment variable
// named by argv[2] (decoded, not verified: the test verifies what the gateway put there).
// `sleep` ({ms}) answers after a delay, to hold a request in flight, unless a notifications/cancelled
// names it first (then it never answers, as MCP's cancellation asks); `cancelled` answers the ids,
// as this child knows them, of the requests it was told to cancel.
import { createInterface } from 'node:readline';

const envName = process.argv[2] ?? 'UPSTREAM_TOKEN';
const send = (m) => process.stdout.write(`${JSON.stringify(m)}\n`);

function claims() {
  const token = process.env[envName];
  if (!token) return null;
  const part = token.split('.')[1];
  try { return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')); } catch { return { undecodable: true }; }
}

const tools = [
  { name: 'whoami', description: 'pid and token claims', inputSchema: { type: 'object' } },
  { name: 'sleep', description: 'answers after ms', inputSchema: { type: 'object', properties: { ms: { type: 'number' } } } },
  { name: 'cancelled', description: 'the request ids this child was told to cancel', inputSchema: { type: 'object' } },
];

const sleeping = new Map();  // request id (JSON) -> timer
const cancelled = [];

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let m;
  try { m = JSON.parse(line); } catch { return; }
  if (m.method === 'notifications/cancelled') {
    const key = JSON.stringify(m.params?.requestId);
    cancelled.push(m.params?.requestId);
    clearTimeout(sleeping.get(key));
    sleeping.delete(key);
    return;
  }
  if (m.id === undefined || !m.method) return;  // other notifications and answers
  const reply = (result) => send({ jsonrpc: '2.0', id: m.id, result });
  switch (m.method) {
    case 'initialize':
      return reply({ protocolVersion: m.params?.protocolVersion ?? '2025-06-18', capabilities: { tools: {} },
        serverInfo: { name: 'whoami', version: '1' } });
    case 'tools/list':
      return reply({ tools });
    case 'tools/call': {
      const text = JSON.stringify({ pid: process.pid, claims: claims(), raw: process.env[envName] ?? null });
      if (m.params?.name === 'sleep') {
        const key = JSON.stringify(m.id);
        sleeping.set(key, setTimeout(() => {
          sleeping.delete(key);
          reply({ content: [{ type: 'text', text }] });
        }, m.params?.arguments?.ms ?? 1000));
        return;
      }
      if (m.params?.name === 'cancelled')
        return reply({ content: [{ type: 'text', text: JSON.stringify({ pid: process.pid, cancelled, sleeping: [...sleeping.keys()] }) }] });
      return reply({ content: [{ type: 'text', text }] });
    }
    default:
      return send({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: `Method not found: ${m.method}` } });
  }
});
lines.on('close', () => process.exit(0));

// Small raw MCP exchanges over HTTP for the integration tests: a legacy (2025-11-25) session and
// a stateless 2026-07-28 request, each with a bearer token.
import { raw } from '../lib.mjs';

export const ACCEPT_BOTH = 'application/json, text/event-stream';
const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

export function bearerHeaders(token, accept = ACCEPT_BOTH) {
  const h = { 'Content-Type': 'application/json', Accept: accept };
  if (token !== undefined) h.Authorization = `Bearer ${token}`;
  return h;
}

export function initialize(port, path, token, accept) {
  return raw(port, 'POST', path, bearerHeaders(token, accept), {
    jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'it', version: '1' } },
  });
}

// initialize → notifications/initialized → one request → DELETE (unless end is false); returns
// every response.
export async function legacyRequest(port, path, token, method, params = {}, accept = ACCEPT_BOTH, end = true) {
  const init = await initialize(port, path, token, accept);
  const sid = init.headers['mcp-session-id'];
  if (init.status !== 200 || !sid) return { init, reply: null };
  const h = { ...bearerHeaders(token, accept), 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' };
  const note = await raw(port, 'POST', path, h, { jsonrpc: '2.0', method: 'notifications/initialized' });
  const reply = await raw(port, 'POST', path, h, { jsonrpc: '2.0', id: 2, method, params });
  if (end) await raw(port, 'DELETE', path, { Authorization: `Bearer ${token}`, 'Mcp-Session-Id': sid });
  return { init, note, reply };
}

export function modernRequest(port, path, token, method, params = {}, accept = ACCEPT_BOTH, name = undefined) {
  const h = { ...bearerHeaders(token, accept), 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method };
  if (name) h['Mcp-Name'] = name;
  return raw(port, 'POST', path, h, { jsonrpc: '2.0', id: 7, method, params: { ...params, _meta: meta } });
}

// Authenticates without reaching an upstream: a request under a session id that does not exist
// is 404 once the token is accepted (401/403 when it is not).
export function probe(port, path, token) {
  return raw(port, 'POST', path, { ...bearerHeaders(token), 'Mcp-Session-Id': 'no-such-session', 'MCP-Protocol-Version': '2025-11-25' },
    { jsonrpc: '2.0', id: 3, method: 'tools/list' });
}

export const toolNames = (r) => (r?.json?.result?.tools ?? []).map((t) => t.name);
export const wwwAuthenticate = (r) => r?.headers?.['www-authenticate'] ?? '';

// lib.mjs's stop() waits for 'exit' unless exitCode is set, so it never returns for a gateway
// that already died from a signal (exitCode stays null): bound the wait.
export async function stopWithin(gw, ms = 5000) {
  if (!gw) return;
  let timer;
  await Promise.race([gw.stop(), new Promise((r) => { timer = setTimeout(r, ms); })]);
  clearTimeout(timer);
}

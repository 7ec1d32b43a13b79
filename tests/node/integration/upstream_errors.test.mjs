// An HTTP upstream that answers with an error status, a reply that is not a reply, or a reply to
// another request, never looks like a success to the client: the client gets a JSON-RPC error
// that names the upstream (its configured name), HTTP 502 where the status is still free, and
// nothing of the upstream's body nor of the credentials the gateway uses toward it.
// Regression: an upstream answering HTTP 500 with a JSON-RPC result body was relayed as a success,
// and a 200 reply with another request's id was relayed as this request's reply.
// Both eras of client, in front of both eras of upstream.
import { Report, raw, startGateway } from './lib.mjs';
import { ACCEPT_BOTH, stopWithin } from './support/mcp_client.mjs';
import { SECRET_BODY, startStatusUpstream } from './support/status_upstream.mjs';

const report = new Report('upstream-errors');
const CREDENTIAL = 'UPSTREAM-CREDENTIAL-b41d';
const URL_PASSWORD = 'UPSTREAM-URL-PASSWORD-e09c';
const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

// Failures of the upstream: the client gets -32000 naming 'flaky', with a reason.
const FAILURES = {
  http_500_result: 'http_status', http_500_sse: 'http_status', http_503_error: 'http_status', http_302: 'http_status',
  http_401: 'unauthorized', http_403: 'unauthorized', http_202_for_request: 'bad_reply', http_204_for_request: 'bad_reply',
  wrong_id: 'bad_reply', wrong_id_sse: 'bad_reply', text_html: 'bad_reply', no_content_type: 'bad_reply', not_json: 'bad_reply',
};

function leaks(body) {
  return [SECRET_BODY, CREDENTIAL, URL_PASSWORD, '127.0.0.1:9'].filter((s) => body.includes(s));
}

async function legacySession(port) {
  const h = { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH };
  const init = await raw(port, 'POST', '/mcp', h, { jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'it', version: '1' } } });
  const sid = init.headers['mcp-session-id'];
  const sh = { ...h, 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' };
  await raw(port, 'POST', '/mcp', sh, { jsonrpc: '2.0', method: 'notifications/initialized' });
  let next = 10;
  return { sid, call: (name) => raw(port, 'POST', '/mcp', sh, { jsonrpc: '2.0', id: next++, method: 'tools/call', params: { name, arguments: {} } }) };
}

function modernCall(port, name) {
  return raw(port, 'POST', '/mcp', { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH, 'MCP-Protocol-Version': '2026-07-28',
    'Mcp-Method': 'tools/call', 'Mcp-Name': name }, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: {}, _meta: meta } });
}

function checkFailure(r, label, reason) {
  const e = r.json?.error;
  report.check(r.status === 502 && e?.code === -32000 && e?.data?.upstream === 'flaky' && e?.data?.reason === reason &&
    /flaky/.test(e?.message ?? '') && !r.json?.result,
  `${label}: a JSON-RPC error -32000 naming the upstream (reason ${reason}), HTTP 502`, `${r.status} ${r.body.slice(0, 300)}`);
  const leaked = leaks(r.body + JSON.stringify(r.headers));
  report.check(leaked.length === 0, `${label}: nothing of the upstream's body or credentials reaches the client`, leaked.join(','));
}

for (const upstreamEra of ['legacy', 'modern']) {
  const up = await startStatusUpstream({ era: upstreamEra });
  const url = up.url.replace('http://', `http://gw:${URL_PASSWORD}@`);
  const gw = await startGateway(`servers:
  - name: errors
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: flaky
        request_timeout_ms: 5000
        http: { url: "${url}", headers: { Authorization: "Bearer ${CREDENTIAL}" } }
`);
  try {
    const P = gw.port;
    const legacy = await legacySession(P);
    report.check(Boolean(legacy.sid), `${upstreamEra} upstream: a legacy client opens a session`);
    const ok1 = await legacy.call('ok');
    const ok2 = await modernCall(P, 'ok');
    report.check(ok1.status === 200 && ok1.json?.result?.content?.[0]?.text === 'fine' && ok2.status === 200 && ok2.json?.result?.content?.[0]?.text === 'fine',
      `${upstreamEra} upstream: a good answer still reaches both eras of client`, `${ok1.status} ${ok2.status} ${ok2.body.slice(0, 200)}`);

    for (const [tool, reason] of Object.entries(FAILURES)) {
      checkFailure(await legacy.call(tool), `${upstreamEra} upstream, legacy client, ${tool}`, reason);
      checkFailure(await modernCall(P, tool), `${upstreamEra} upstream, 2026-07-28 client, ${tool}`, reason);
    }
    // A connection the upstream answered badly must not poison the next request.
    const after = await legacy.call('ok');
    report.check(after.status === 200 && after.json?.result?.content?.[0]?.text === 'fine', `${upstreamEra} upstream: the next request after the failures succeeds`,
      `${after.status} ${after.body.slice(0, 200)}`);

    // A JSON-RPC error the upstream sent with a 4xx is the upstream's answer (2026-07-28
    // transports pair 400 with -32602): relayed with its own code.
    const e1 = await legacy.call('http_400_rpc_error');
    const e2 = await modernCall(P, 'http_400_rpc_error');
    report.check(e1.json?.error?.code === -32602 && e1.status === 200 && e2.json?.error?.code === -32602 && e2.status === 400,
      `${upstreamEra} upstream: a JSON-RPC error sent with 400 is relayed as the upstream's error`, `${e1.status} ${e1.body} / ${e2.status} ${e2.body}`);

    if (upstreamEra === 'legacy') {
      // The upstream session ended (404 to a request carrying Mcp-Session-Id). A legacy client is
      // told its session is gone (404), so it re-initializes (2025-11-25 transports, "Session
      // Management": on 404 the client MUST start a new session); the new session works.
      const gone = await legacy.call('expire_session');
      report.check(gone.status === 404 && gone.json?.error?.code === -32001 && leaks(gone.body).length === 0,
        'legacy upstream session expired: the legacy client gets 404 for its session', `${gone.status} ${gone.body}`);
      const stale = await legacy.call('ok');
      report.check(stale.status === 404, 'legacy upstream session expired: the old client session is gone', `${stale.status}`);
      const again = await legacySession(P);
      const fresh = await again.call('ok');
      report.check(fresh.status === 200 && fresh.json?.result?.content?.[0]?.text === 'fine', 'legacy upstream session expired: a new session works', `${fresh.status} ${fresh.body.slice(0, 200)}`);
      // The gateway's shared session (for 2026-07-28 clients) expires: this request fails, the
      // next one opens a new upstream session.
      const inits = up.initializes;
      checkFailure(await modernCall(P, 'expire_session'), 'legacy upstream, 2026-07-28 client, shared session expired', 'session_expired');
      const recovered = await modernCall(P, 'ok');
      report.check(recovered.status === 200 && recovered.json?.result?.content?.[0]?.text === 'fine' && up.initializes === inits + 1,
        'legacy upstream, 2026-07-28 client: after the shared session expired the gateway initializes a new one', `${recovered.status} ${recovered.body.slice(0, 200)} inits=${up.initializes - inits}`);
    }
    if (upstreamEra === 'legacy') {
      // initialize itself fails upstream: the client gets the error and no session id.
      up.failInitialize = true;
      const init = await raw(P, 'POST', '/mcp', { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH }, { jsonrpc: '2.0', id: 1, method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'it', version: '1' } } });
      up.failInitialize = false;
      report.check(init.status === 502 && init.json?.error?.data?.reason === 'http_status' && !init.headers['mcp-session-id'] && leaks(init.body).length === 0,
        'legacy upstream: a failed initialize is 502 with no session id and nothing of the upstream body', `${init.status} ${init.body}`);
    }
    // The gateway's requests carried its configured credential, never one of the client's.
    const calls = up.requests.filter((q) => q.body?.method === 'tools/call');
    report.check(calls.length > 0 && calls.every((q) => q.headers.authorization === `Bearer ${CREDENTIAL}`),
      `${upstreamEra} upstream: every request reached the upstream with the configured credential`);
  } finally {
    await stopWithin(gw);
    await up.close();
  }
}
report.finish();

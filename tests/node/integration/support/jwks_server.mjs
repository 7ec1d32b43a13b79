// A JWKS endpoint on a loopback port that records every request, and whose answer the test
// switches: a key set, a 500, or a body that is not a key set.
import http from 'node:http';

export async function startJwksServer() {
  const state = { keys: [], mode: 'ok', hits: [] };
  const server = http.createServer((req, res) => {
    if (req.url !== '/jwks') { res.writeHead(404).end(); return; }
    state.hits.push(Date.now());
    if (state.mode === '500') { res.writeHead(500, { 'Content-Type': 'text/plain' }).end('internal error'); return; }
    const body = state.mode === 'garbage' ? '{"keys": [ {"kty": "EC", "crv": "P-256"' :
      state.mode === 'not-a-set' ? '{"keys": "no"}' :
      state.mode === 'html' ? '<html><body>maintenance</body></html>' :
      JSON.stringify({ keys: state.keys });
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/jwks`,
    state,
    count: () => state.hits.length,
    lastHit: () => state.hits[state.hits.length - 1] ?? 0,
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

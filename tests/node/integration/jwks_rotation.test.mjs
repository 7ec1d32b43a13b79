// Key rotation at the issuer, end to end over a real jwks_uri: a token with a new kid is
// accepted after exactly one refetch; a flood of unknown kids cannot make the gateway fetch more
// than once per jwks_min_refetch_seconds; a JWKS endpoint that fails or answers garbage leaves
// the last good key set in force; a key the issuer dropped stops verifying after a refetch.
import { randomBytes } from 'node:crypto';
import { Report, startGateway, tempDir, testIssuer } from './lib.mjs';
import { startJwksServer } from './support/jwks_server.mjs';
import { es256Signer } from './support/jwt_signer.mjs';
import { probe, stopWithin, wwwAuthenticate } from './support/mcp_client.mjs';

const report = new Report('jwks-rotation');
const INTERVAL_MS = 2000;
const ISS = 'https://rotating-issuer.test';
const dir = tempDir();
const A = testIssuer(dir, 'kA');
const B = testIssuer(dir, 'kB');
const jwkA = JSON.parse(A.jwks).keys[0];
const jwkB = JSON.parse(B.jwks).keys[0];
const signA = es256Signer(A.keyFile);
const signB = es256Signer(B.keyFile);
const jwks = await startJwksServer();
jwks.state.keys = [jwkA];
let gw = null;

// The refetch limit is a wall-clock window in the gateway. Nothing can be polled to learn that it
// has passed without spending the one refetch it allows, so wait until the window that began at
// the last fetch the server saw has surely ended (the gateway starts its window before it sends).
const waitOutInterval = async () => {
  const until = jwks.lastHit() + INTERVAL_MS + 150;
  if (Date.now() < until) await new Promise((r) => setTimeout(r, until - Date.now()));
};
const pollUntil = async (cond, ms) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
};
const accepted = (r) => r.status === 404;  // authenticated, then "no such session"
const refused = (r) => r.status === 401 && wwwAuthenticate(r).includes('error="invalid_token"');
const randomKid = () => `rnd-${randomBytes(8).toString('hex')}`;

try {
  gw = await startGateway(`servers:
  - name: rot
    path: /mcp
    auth:
      issuers: [{ issuer: ${ISS}, algorithms: [ES256], jwks_uri: ${jwks.url}, jwks_min_refetch_seconds: ${INTERVAL_MS / 1000} }]
    upstreams: [{ name: none, stdio: { command: [/bin/false] } }]
`);
  const P = gw.port;
  const claims = { iss: ISS, aud: `http://127.0.0.1:${P}/mcp`, sub: 'alice', scope: 'mcp:read' };
  const send = (token) => probe(P, '/mcp', token);

  report.check(await pollUntil(() => jwks.count() >= 1, 5000), 'the gateway fetched the key set at start-up', String(jwks.count()));
  let r = await send(A.mint(claims));
  report.check(accepted(r), 'token from key A (minted by mcpgate token mint) accepted', `${r.status} ${wwwAuthenticate(r)}`);
  r = await send(signA(claims, 'kA'));
  report.check(accepted(r) && jwks.count() === 1, 'token from key A (signed in process) accepted from the cached set, no refetch', `${r.status} hits=${jwks.count()}`);

  // Rotation: the issuer publishes {A, B} and starts signing with B.
  jwks.state.keys = [jwkA, jwkB];
  await waitOutInterval();
  let before = jwks.count();
  r = await send(signB(claims, 'kB'));
  report.check(accepted(r) && jwks.count() === before + 1, 'token from new key B (new kid) accepted after exactly one refetch',
    `${r.status} ${wwwAuthenticate(r)} fetches=${jwks.count() - before}`);
  before = jwks.count();
  r = await send(signB(claims, 'kB'));
  const r2 = await send(signA(claims, 'kA'));
  report.check(accepted(r) && accepted(r2) && jwks.count() === before, 'A and B both accepted afterwards with no further fetch', `hits +${jwks.count() - before}`);

  // A burst of unknown kids: the first one after the window may fetch, the other 199 may not.
  await waitOutInterval();
  const burst = Array.from({ length: 200 }, () => signA(claims, randomKid()));
  before = jwks.count();
  const t0 = Date.now();
  const answers = await Promise.all(burst.map(send));
  const took = Date.now() - t0;
  const fetched = jwks.count() - before;
  report.check(answers.every(refused), '200 tokens with random kids → all 401 invalid_token',
    answers.filter((x) => !refused(x)).map((x) => x.status).slice(0, 5).join(','));
  report.check(took < INTERVAL_MS ? fetched === 1 : fetched <= 1 + Math.floor(took / INTERVAL_MS),
    `the burst (${took} ms) caused one JWKS fetch, not 200`, `fetches=${fetched}`);
  before = jwks.count();
  r = await send(signA(claims, randomKid()));
  report.check(refused(r) && jwks.count() === before, 'another unknown kid inside the window → 401 with no fetch', `fetches=${jwks.count() - before}`);

  await waitOutInterval();
  before = jwks.count();
  r = await send(signA(claims, randomKid()));
  const r3 = await send(signA(claims, randomKid()));
  report.check(refused(r) && refused(r3) && jwks.count() === before + 1, 'after the interval: one more refetch, and only one',
    `fetches=${jwks.count() - before}`);

  // A failing or nonsensical JWKS endpoint keeps the last good set.
  for (const mode of ['500', 'garbage', 'not-a-set', 'html']) {
    jwks.state.mode = mode;
    await waitOutInterval();
    before = jwks.count();
    r = await send(signA(claims, randomKid()));
    const fetchedNow = jwks.count() - before;
    const a = await send(signA(claims, 'kA'));
    const b = await send(signB(claims, 'kB'));
    report.check(refused(r) && fetchedNow === 1 && accepted(a) && accepted(b),
      `JWKS answering ${mode}: the refetch fails, A and B still accepted (last good set kept)`,
      `unknown=${r.status} fetches=${fetchedNow} A=${a.status} B=${b.status}`);
  }

  // The issuer retires A: once a refetch has happened, A's tokens stop verifying.
  jwks.state.mode = 'ok';
  jwks.state.keys = [jwkB];
  await waitOutInterval();
  before = jwks.count();
  r = await send(signA(claims, randomKid()));
  const a = await send(signA(claims, 'kA'));
  const b = await send(signB(claims, 'kB'));
  report.check(jwks.count() === before + 1 && refused(a) && accepted(b), 'after A is retired and one refetch: A refused, B accepted',
    `fetches=${jwks.count() - before} A=${a.status} B=${b.status}`);
} catch (e) {
  report.check(false, 'test ran to the end', `${e.stack}\n${gw?.log() ?? ''}`);
} finally {
  await stopWithin(gw);
  await jwks.stop();
}
report.finish();

// Crash safety of the authorization server's store: kill -9 in the middle of a burst of token
// requests, restart on the same database, then
//   - every refresh token a client received (and had not yet sent back) works exactly once;
//   - no authorization code that was redeemed before the crash can be redeemed again;
//   - a code whose redemption was in flight is redeemable at most once in total;
//   - every access token handed out is still tied to its grant: replaying the refresh token
//     revokes the access token its code redemption returned (its jti record was durable before
//     the answer, even though writes are committed in batches);
//   - every client_credentials token handed out introspects as active and can be revoked.
import { Report, freePort } from './lib.mjs';
import { startAs, pkce, Agent, authorizeUrl, tokenRequest } from './authserver_helpers.mjs';

const report = new Report('authserver crash');
const port = await freePort();
let as = await startAs({ port });
const db = as.db;
const redirectUri = 'http://127.0.0.1:3000/callback';

// Codes to redeem in the burst (consent is remembered after the first, so each is one GET).
const agent = new Agent();
const codes = [];
for (let i = 0; i < 120; i++) {
  const p = pkce();
  const loc = await agent.authorize(authorizeUrl(as, { challenge: p.challenge, redirectUri }));
  codes.push({ code: new URL(loc).searchParams.get('code'), verifier: p.verifier, result: null });
}
// Some refresh chains already running before the burst.
const chains = [];
for (let i = 0; i < 4; i++) {
  const p = pkce();
  const loc = await agent.authorize(authorizeUrl(as, { challenge: p.challenge, redirectUri, state: `c${i}` }));
  const t = await tokenRequest(as, { grant_type: 'authorization_code', code: new URL(loc).searchParams.get('code'),
    redirect_uri: redirectUri, code_verifier: p.verifier, client_id: 'test-public', resource: as.resource });
  chains.push({ latest: t.json.refresh_token, inFlight: false });
}

const received = new Set();   // refresh tokens handed to us and not (yet) sent back
const accessOf = new Map();   // refresh token from a code redemption -> the access token beside it
const machineTokens = [];     // client_credentials access tokens handed to us
const confidential = { Authorization: `Basic ${Buffer.from('test-confidential:test-secret').toString('base64')}` };
let killed = false;
let responses = 0;
const redeem = async (c) => {
  try {
    const t = await tokenRequest(as, { grant_type: 'authorization_code', code: c.code, redirect_uri: redirectUri,
      code_verifier: c.verifier, client_id: 'test-public', resource: as.resource });
    c.result = t.status;
    if (t.status === 200) {
      received.add(t.json.refresh_token);
      accessOf.set(t.json.refresh_token, t.json.access_token);
    }
    responses++;
  } catch { c.result = 'no-response'; }
};
const runChain = async (ch) => {
  while (!killed) {
    ch.inFlight = true;
    const sent = ch.latest;
    try {
      const t = await tokenRequest(as, { grant_type: 'refresh_token', refresh_token: sent, client_id: 'test-public' });
      ch.inFlight = false;
      if (t.status !== 200) { report.check(false, 'refresh during the burst', JSON.stringify(t.json)); return; }
      ch.latest = t.json.refresh_token;
      responses++;
    } catch { return; }  // the server died with this request in flight
  }
};
const runMachine = async () => {
  while (!killed) {
    try {
      const t = await tokenRequest(as, { grant_type: 'client_credentials', resource: as.resource }, confidential);
      if (t.status !== 200) { report.check(false, 'client_credentials during the burst', JSON.stringify(t.json)); return; }
      machineTokens.push(t.json.access_token);  // not counted in `responses`: the kill waits for the codes
    } catch { return; }
  }
};
const burst = [runMachine(), runMachine(), ...chains.map(runChain), ...codes.map(redeem)];
// kill -9 once some of the burst has been answered (codes, and a few client_credentials tokens).
while (responses < 20 || machineTokens.length < 2) await new Promise((r) => setImmediate(r));
as.proc.kill('SIGKILL');
killed = true;
await Promise.allSettled(burst);
await new Promise((r) => (as.proc.exitCode !== null || as.proc.signalCode ? r() : as.proc.on('exit', r)));
for (const ch of chains) if (!ch.inFlight) received.add(ch.latest);
const redeemed = codes.filter((c) => c.result === 200).length;
const inflight = codes.filter((c) => c.result === 'no-response').length;
console.log(`burst: ${redeemed} codes redeemed, ${inflight} in flight at kill, ${received.size} refresh tokens held, ` +
  `${machineTokens.length} client_credentials tokens`);
report.check(redeemed > 0 && received.size > 0, 'the kill happened during the burst, after some answers');

as = await startAs({ port, db });
let okOnce = 0;
for (const rt of received) {
  const first = await tokenRequest(as, { grant_type: 'refresh_token', refresh_token: rt, client_id: 'test-public' });
  const second = await tokenRequest(as, { grant_type: 'refresh_token', refresh_token: rt, client_id: 'test-public' });
  if (first.status === 200 && second.status === 400) okOnce++;
}
report.check(okOnce === received.size, 'every refresh token handed out works exactly once after restart', `${okOnce}/${received.size}`);
// The second use above was a reuse, which revokes the whole family (RFC 9700 §4.14.2): the access
// token of the code redemption must be revoked with it, so its jti record survived the crash.
const introspect = async (token) => {
  const res = await fetch(`${as.issuer}/introspect`, { method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...confidential },
    body: new URLSearchParams({ token }).toString() });
  return (await res.json()).active;
};
let stillActive = 0;
for (const [, at] of accessOf) if (await introspect(at)) stillActive++;
report.check(accessOf.size > 0 && stillActive === 0,
  'every access token from a code redemption answered before the crash is revoked with its family after it',
  `${stillActive}/${accessOf.size} still active`);
// client_credentials tokens: active after the restart, and revocable (RFC 7009 §2.1).
let machineOk = 0;
for (const at of machineTokens) {
  const before = await introspect(at);
  const rev = await fetch(`${as.issuer}/revoke`, { method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...confidential },
    body: new URLSearchParams({ token: at }).toString() });
  if (before === true && rev.status === 200 && (await introspect(at)) === false) machineOk++;
}
report.check(machineTokens.length > 0 && machineOk === machineTokens.length,
  'every client_credentials token answered before the crash introspects as active and can be revoked',
  `${machineOk}/${machineTokens.length}`);
let reused = 0;
let inflightTwice = 0;
for (const c of codes) {
  const again = await tokenRequest(as, { grant_type: 'authorization_code', code: c.code, redirect_uri: redirectUri,
    code_verifier: c.verifier, client_id: 'test-public', resource: as.resource });
  if (c.result === 200 && again.status === 200) reused++;
  if (c.result !== 200) {
    const third = await tokenRequest(as, { grant_type: 'authorization_code', code: c.code, redirect_uri: redirectUri,
      code_verifier: c.verifier, client_id: 'test-public', resource: as.resource });
    if (third.status === 200) inflightTwice++;
  }
}
report.check(reused === 0, 'no code redeemed before the crash works again', `${reused} reused`);
report.check(inflightTwice === 0, 'a code in flight at the crash is redeemable at most once');
await as.stop();
report.finish();

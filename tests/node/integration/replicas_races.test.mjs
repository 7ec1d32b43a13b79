// Single use across replicas, under concurrency (OAuth 2.1 §4.1.3 and §4.3.1, RFC 9700 §4.14.2):
// three replicas on one PostgreSQL, and hundreds of times over,
//   - one authorization code redeemed at the three replicas at the same moment: exactly one gets
//     tokens, the others get invalid_grant, and the replay revokes what the winner was issued;
//   - one refresh token rotated at the three replicas at the same moment: exactly one gets a new
//     one, and the reuse revokes the family, the winner's new refresh token included.
// The store-level race (16 connections on one row) is StoreContract.ConcurrentRedemption…; this is
// the same guarantee end to end, through the token endpoints of separate processes.
import { spawnSync } from 'node:child_process';
import { Agent, pkce, scrape } from './authserver_helpers.mjs';
import { Report, freePort, gatewayBin, startGateway } from './lib.mjs';
import { startPostgres } from './support/postgres.mjs';

const ROUNDS = Number(process.env.MCPGATE_RACE_ROUNDS ?? 200);
const report = new Report('replicas-races');
const cleanups = [];
try {
  const pg = await startPostgres();
  cleanups.push(async () => pg.stop());
  const admin = (args, input) => spawnSync(gatewayBin, [...args, '--storage', pg.url], { input, encoding: 'utf8' });
  const redirect = 'http://127.0.0.1:3000/callback';
  report.check(admin(['users', 'add', 'alice', '--password-stdin'], 'alice-password\n').status === 0 &&
    admin(['clients', 'add', 'agent', '--redirect-uri', redirect]).status === 0, 'a user and a public client in the shared PostgreSQL');
  const publicUrl = `http://127.0.0.1:${await freePort()}`;
  const resource = `${publicUrl}/mcp`;
  const config = `public_url: ${publicUrl}
authorization_server:
  storage: ${pg.url}
  storage_pool_size: 4
  allow_loopback_http: true
servers:
  - name: mcp
    path: /mcp
    auth: { scopes_supported: [mcp:read] }
    upstreams:
      - name: none
        http: { url: "http://127.0.0.1:9/mcp" }
`;
  const replicas = [];
  for (let i = 0; i < 3; i++) {
    const g = await startGateway(config);
    replicas.push(`http://127.0.0.1:${g.port}`);
    cleanups.push(async () => g.stop());
  }
  const token = (origin, fields) => fetch(`${origin}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'agent', resource, ...fields }).toString() })
    .then(async (r) => ({ status: r.status, json: await r.json().catch(() => null) }));

  // One sign-in with consent at the first replica; afterwards every authorization there returns a
  // code at once (consent remembered).
  const agent = new Agent();
  const authorize = async () => {
    const { verifier, challenge } = pkce();
    const q = new URLSearchParams({ response_type: 'code', client_id: 'agent', redirect_uri: redirect, state: 's',
      code_challenge: challenge, code_challenge_method: 'S256', resource, scope: 'mcp:read' });
    const r = await agent.get(`${replicas[0]}/authorize?${q}`);
    return { r, verifier, code: r.location ? new URL(r.location).searchParams.get('code') : null };
  };
  const first = await authorize();
  const consent = await agent.postForm(`${replicas[0]}/authorize/login`, { request_id: scrape(first.r.body, 'request_id'),
    csrf_token: scrape(first.r.body, 'csrf_token'), username: 'alice', password: 'alice-password' });
  const done = await agent.postForm(`${replicas[0]}/authorize/consent`, { request_id: scrape(consent.body, 'request_id'),
    csrf_token: scrape(consent.body, 'csrf_token'), decision: 'approve' });
  report.check(done.status === 303, 'alice signed in and consented once', `${done.status}`);

  const tally = { codeOne: 0, codeLosersRefused: 0, replayRevoked: 0, refreshOne: 0, refreshLosersRefused: 0, familyRevoked: 0, other: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // The same code at the three replicas at once.
    const a = await authorize();
    if (!a.code) { tally.other.push(`no code: ${a.r.status}`); continue; }
    const fields = { grant_type: 'authorization_code', code: a.code, redirect_uri: redirect, code_verifier: a.verifier };
    const raced = await Promise.all(replicas.map((o) => token(o, fields)));
    const won = raced.filter((r) => r.status === 200);
    if (won.length === 1) tally.codeOne++;
    if (raced.filter((r) => r.status === 400 && r.json?.error === 'invalid_grant').length === 2) tally.codeLosersRefused++;
    else tally.other.push(`code: ${raced.map((r) => r.status).join(',')}`);
    // The replay revoked the grant the one winner got (OAuth 2.1 §4.1.3): its refresh token is dead.
    if (won.length === 1) {
      const after = await token(replicas[round % 3], { grant_type: 'refresh_token', refresh_token: won[0].json.refresh_token });
      if (after.status === 400 && after.json?.error === 'invalid_grant') tally.replayRevoked++;
    }

    // The same refresh token at the three replicas at once.
    const b = await authorize();
    const t = await token(replicas[(round + 1) % 3], { grant_type: 'authorization_code', code: b.code, redirect_uri: redirect, code_verifier: b.verifier });
    if (t.status !== 200) { tally.other.push(`redeem: ${t.status}`); continue; }
    const rotated = await Promise.all(replicas.map((o) => token(o, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token })));
    const winners = rotated.filter((r) => r.status === 200);
    if (winners.length === 1) tally.refreshOne++;
    if (rotated.filter((r) => r.status === 400 && r.json?.error === 'invalid_grant').length === 2) tally.refreshLosersRefused++;
    else tally.other.push(`refresh: ${rotated.map((r) => r.status).join(',')}`);
    // Reuse detection revoked the family: the winner's new refresh token is refused too.
    if (winners.length === 1) {
      const next = await token(replicas[(round + 2) % 3], { grant_type: 'refresh_token', refresh_token: winners[0].json.refresh_token });
      if (next.status === 400 && next.json?.error === 'invalid_grant') tally.familyRevoked++;
    }
  }
  const detail = JSON.stringify({ ...tally, other: tally.other.slice(0, 5) });
  report.check(tally.codeOne === ROUNDS, `one code redeemed at three replicas at once, ${ROUNDS} times: exactly one success every time`, detail);
  report.check(tally.codeLosersRefused === ROUNDS, 'the two others got invalid_grant every time', detail);
  report.check(tally.replayRevoked === ROUNDS, 'the replay revoked what the winner was issued, every time', detail);
  report.check(tally.refreshOne === ROUNDS, `one refresh token rotated at three replicas at once, ${ROUNDS} times: exactly one success every time`, detail);
  report.check(tally.refreshLosersRefused === ROUNDS, 'the two others got invalid_grant every time', detail);
  report.check(tally.familyRevoked === ROUNDS, 'reuse detection revoked the family, the winner\'s new refresh token included, every time', detail);
} catch (e) {
  report.check(false, 'unexpected exception', e?.stack ?? String(e));
}
for (const c of cleanups.reverse()) await c().catch(() => {});
report.finish();

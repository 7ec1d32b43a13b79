// `mcpgate audit --list`: fifty local endpoints (a mix of the weak servers) audited concurrently
// in seconds, with the registry audit's summary line, a JSON report that validates against
// docs/audit.schema.json, and proof from the servers' own records that nothing but the allowed
// methods (initialize, notifications/initialized, ping, tools/list) reached any of them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allowedMethods, runAudit, validate } from './audit_support.mjs';
import { Report, tempDir, testIssuer } from './lib.mjs';
import { startWeakServer } from './support/weak_mcp_servers.mjs';

const report = new Report('audit list');
const dir = tempDir();
const issuer = testIssuer(dir);
const kinds = [
  { auth: false },                         // open, both eras
  { auth: false, era: 'legacy' },          // open, initialize only
  { acceptAlgNone: true, jwks: issuer.jwks },
  { prm: false, jwks: issuer.jwks },
  { originCheck: false, jwks: issuer.jwks },
];
const servers = [];
try {
  for (let i = 0; i < 50; i++) servers.push(await startWeakServer(kinds[i % kinds.length]));
  const list = join(dir, 'servers.txt');
  writeFileSync(list, `# fifty local endpoints\n\n${servers.map((s, i) => (i % 7 === 0 ? `${s.url}   # kind ${i % 5}` : s.url)).join('\n')}\n`);

  const started = Date.now();
  const json = await runAudit(['--list', list, '--json', '--concurrency', '8']);
  const seconds = (Date.now() - started) / 1000;
  report.check(json.json?.endpoints?.length === 50, 'all fifty endpoints are reported, in the file\'s order',
    String(json.json?.endpoints?.length));
  report.check(json.json?.endpoints?.every((e, i) => e.url === servers[i].url), 'the reports follow the file\'s order');
  report.check(seconds < 20, `the list finishes in seconds (${seconds.toFixed(1)} s)`);
  report.check(json.json?.summary?.unauthenticated === 20 && json.json?.summary?.line === '20 of 50 servers accept unauthenticated requests',
    'summary: 20 of 50 servers accept unauthenticated requests', json.json?.summary?.line);
  report.check(json.code === 2 && json.json?.summary?.exit_code === 2, 'exit code 2 (failures)', String(json.code));
  const v = validate(json.json);
  report.check(v.ok, 'the JSON report validates against docs/audit.schema.json', v.errors);
  const failing = (id) => json.json?.endpoints?.filter((e) => e.checks.some((c) => c.id === id && c.verdict === 'fail')).length;
  report.check(failing('token.alg_none') === 10 && failing('prm.well_known') === 10,
    'each kind of weakness is counted on its ten servers', `${failing('token.alg_none')} ${failing('prm.well_known')}`);
  report.check(json.json?.endpoints?.every((e) => e.requests > 0 && e.requests <= e.request_budget), 'every endpoint stays within its request budget');

  const table = await runAudit(['--list', list, '--concurrency', '3']);
  report.check(table.stdout.trim().endsWith('20 of 50 servers accept unauthenticated requests'), 'the table ends with the summary line',
    table.stdout.slice(-200));

  const methods = servers.flatMap((s) => s.methods);
  const outside = [...new Set(methods.filter((m) => !allowedMethods.has(m)))];
  report.check(methods.length > 0 && outside.length === 0, 'no tools/call, and no method outside the allow-list, reached any server', outside.join(','));
  report.check(servers.every((s) => s.requests.every((r) => r.startsWith('GET ') || r.startsWith('POST '))), 'only GET and POST were sent');
} finally {
  for (const s of servers) await s.stop();
}
report.finish();

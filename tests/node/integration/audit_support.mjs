// Shared by the audit tests: run `mcpgate audit`, and validate its JSON against the committed
// schema (docs/audit.schema.json) with ajv, which the TypeScript SDK already brings.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gatewayBin, root } from './lib.mjs';

export const allowedMethods = new Set(['initialize', 'notifications/initialized', 'ping', 'tools/list']);

export function runAudit(args, env = {}) {
  return new Promise((resolve) => {
    execFile(gatewayBin, ['audit', ...args], { env: { ...process.env, ...env }, maxBuffer: 16 << 20, timeout: 60000 },
      (error, stdout, stderr) => {
        let json = null;
        try { json = JSON.parse(stdout); } catch { /* table output */ }
        resolve({ code: error ? error.code : 0, stdout, stderr, json });
      });
  });
}

const require = createRequire(join(root, 'tests/node/package.json'));
const Ajv = require('ajv').default ?? require('ajv');
const schema = JSON.parse(readFileSync(join(root, 'docs/audit.schema.json'), 'utf8'));
const validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
export function validate(report) {
  const ok = validator(report);
  return { ok, errors: ok ? '' : JSON.stringify(validator.errors).slice(0, 400) };
}

// The verdict of one check of one endpoint of a JSON report.
export function verdict(report, id, endpoint = 0) {
  return report?.endpoints?.[endpoint]?.checks?.find((c) => c.id === id)?.verdict;
}

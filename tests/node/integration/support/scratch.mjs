// Temporary directories of one test file (configurations, databases, keys, logs), removed when the
// file's process ends, passed or failed, so that running the suite again and again leaves nothing
// in the temporary directory. MCPGATE_KEEP_TMP=1 keeps them for a post-mortem and prints where.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = [];
let hooked = false;

function removeAll() {
  if (process.env.MCPGATE_KEEP_TMP) {
    if (made.length) console.error(`kept: ${made.join(' ')}`);
    return;
  }
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function scratchDir(prefix = 'mcpgate-it-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  if (!hooked) {
    hooked = true;
    process.on('exit', removeAll);
    // A file stopped by the runner (its timeout) or by hand still cleans up.
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) process.once(signal, () => process.exit(code));
  }
  return dir;
}

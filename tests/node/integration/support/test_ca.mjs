// A throw-away certificate authority made with the openssl CLI at test time, and leaf
// certificates with whatever defect a test needs (another name, already expired, another CA).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from './scratch.mjs';

const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

// A CA already made in `dir` under that name is reused (a child process trusting it finds it again).
export function makeCa(name = 'mcpgate test CA', dir = scratchDir('mcpgate-ca-')) {
  const key = join(dir, `${name.replace(/\W+/g, '_')}.key`);
  const cert = join(dir, `${name.replace(/\W+/g, '_')}.pem`);
  if (!existsSync(cert)) {
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
      '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  }
  let serial = Date.now() % 1000000;
  return {
    dir,
    certFile: cert,
    pem: readFileSync(cert, 'utf8'),
    // A leaf for `sans` (e.g. ['DNS:localhost', 'IP:127.0.0.1']); days < 0 makes it expired already.
    issue(label, { sans = ['DNS:localhost', 'IP:127.0.0.1'], days = 2 } = {}) {
      const base = join(dir, label);
      openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${base}.key`,
        '-out', `${base}.csr`, '-subj', `/CN=${label}`);
      writeFileSync(`${base}.ext`, `subjectAltName=${sans.join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n`);
      openssl('x509', '-req', '-in', `${base}.csr`, '-CA', cert, '-CAkey', key, '-set_serial', String(serial++),
        '-days', String(days), '-extfile', `${base}.ext`, '-out', `${base}.pem`);
      return { keyFile: `${base}.key`, certFile: `${base}.pem`, key: readFileSync(`${base}.key`, 'utf8'), cert: readFileSync(`${base}.pem`, 'utf8') };
    },
  };
}

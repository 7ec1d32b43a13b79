// ES256 compact JWS signed in process with node:crypto, for tests that need many tokens fast
// (a subprocess per token is too slow to stay inside a 2 s rate-limit window).
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

export function es256Signer(keyFile) {
  const key = createPrivateKey(readFileSync(keyFile));
  return (claims, kid) => {
    const now = Math.floor(Date.now() / 1000);
    // A fresh jti makes every token a new string, so the gateway's token cache never answers for it.
    const input = `${b64({ alg: 'ES256', typ: 'at+jwt', kid })}.${b64({ iat: now, exp: now + 300, jti: randomUUID(), ...claims })}`;
    const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${sig.toString('base64url')}`;
  };
}

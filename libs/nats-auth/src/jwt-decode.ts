import { createPublicKey, verify } from 'node:crypto';
import { fromPublic, type ClaimsData } from '@nats-io/jwt';
import { base32Decode } from './nkey-codec.js';

// Why not @nats-io/jwt's decode(): it verifies with tweetnacl (pure JS), ~12 ms per JWT in Node and
// ~100 ms inside jest's VM context, and a bundle check verifies seven of them, at every control-plane
// start and in every test that starts one. Node's own Ed25519 does the same check in microseconds.

/** DER header of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The 32 raw key bytes of a public nkey (base32 of: prefix byte, key, CRC-16). */
function rawPublicKey(nkey: string): Buffer {
  fromPublic(nkey); // throws on a bad prefix or checksum
  return base32Decode(nkey).subarray(1, 33);
}

function jsonPart(part: string): unknown {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/** The claims of a NATS JWT after checking its signature against its issuer (`iss`), like decode(). */
export function decodeJwt<T>(jwt: string): ClaimsData<T> {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new Error(`invalid jwt - ${parts.length} chunks`);
  const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
  const header = jsonPart(headerPart) as { typ?: unknown; alg?: unknown };
  if (String(header.typ).toUpperCase() !== 'JWT') throw new Error(`not a nats jwt - typ ${String(header.typ)}`);
  if (header.alg !== 'ed25519-nkey' && header.alg !== 'ed25519') throw new Error(`not a nats jwt - alg ${String(header.alg)}`);
  const claims = jsonPart(claimsPart) as ClaimsData<T>;
  if (typeof claims.iss !== 'string') throw new Error('the jwt has no issuer');
  const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, rawPublicKey(claims.iss)]), format: 'der', type: 'spki' });
  // v2 ("ed25519-nkey") signs header and claims, v1 only the claims.
  const signed = header.alg === 'ed25519-nkey' ? `${headerPart}.${claimsPart}` : claimsPart;
  if (!verify(null, Buffer.from(signed), key, Buffer.from(signaturePart, 'base64url'))) throw new Error('sig verification failed');
  return claims;
}

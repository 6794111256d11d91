import { encodeAccount, type Account, type OperatorLimits } from '@nats-io/jwt';
import { decodeJwt } from './jwt-decode.js';
import { keyPairFromSeed } from './keys.js';

/** `{ "<user nkey>": unixSeconds }`: user JWTs issued at or before that second are refused. */
export type Revocations = Record<string, number>;

/** Account limits as Switchyard writes them: flat numbers and flags (no tiered JetStream limits). */
export type AccountLimits = Record<string, number | boolean>;

/**
 * Everything an account JWT says. Each update replaces the whole JWT on the server, so whoever
 * re-signs it must start from the full state, never from a partial one (NATS-AUTH.md).
 */
export interface AccountState {
  name: string;
  publicKey: string;
  limits: AccountLimits;
  signingKeys: string[];
  revocations: Revocations;
}

/** Signs the account JWT with an operator signing key (the operator's root key stays offline). */
export async function signAccountJwt(state: AccountState, operatorSigningSeed: string): Promise<string> {
  // The flat record is a subset of OperatorLimits' shape (the server reads the same JSON keys).
  const account: Partial<Account> = { limits: { ...state.limits } as OperatorLimits };
  if (state.signingKeys.length > 0) account.signing_keys = [...state.signingKeys];
  if (Object.keys(state.revocations).length > 0) account.revocations = { ...state.revocations };
  return encodeAccount(state.name, state.publicKey, account, { signer: keyPairFromSeed(operatorSigningSeed, 'operator') });
}

/** The state an account JWT carries; verifies its signature and that it is an account JWT. */
export function decodeAccountJwt(jwt: string): AccountState & { issuer: string; issuedAt: number } {
  const claims = decodeJwt<Account>(jwt);
  if (claims.nats.type !== 'account') throw new Error(`not an account JWT (type ${String(claims.nats.type)})`);
  return {
    name: claims.name,
    publicKey: claims.sub,
    limits: flatLimits(claims.nats.limits ?? {}),
    // Scoped signing keys are objects; Switchyard only creates plain ones.
    signingKeys: (claims.nats.signing_keys ?? []).map((key) => (typeof key === 'string' ? key : key.key)),
    revocations: { ...(claims.nats.revocations ?? {}) },
    issuer: claims.iss,
    issuedAt: claims.iat,
  };
}

/** Adds a revocation without ever moving an existing one earlier (a later timestamp covers more). */
export function withRevocation(revocations: Revocations, userPublicKey: string, atSeconds: number): Revocations {
  const existing = revocations[userPublicKey];
  return { ...revocations, [userPublicKey]: existing === undefined ? atSeconds : Math.max(existing, atSeconds) };
}

/** Refuses nested limits rather than dropping them: a re-signed JWT must not lose any state. */
function flatLimits(limits: OperatorLimits): AccountLimits {
  const flat: AccountLimits = {};
  for (const [key, value] of Object.entries(limits)) {
    if (typeof value !== 'number' && typeof value !== 'boolean') throw new Error(`account limit "${key}" is not a number or flag; Switchyard does not manage nested limits`);
    flat[key] = value;
  }
  return flat;
}

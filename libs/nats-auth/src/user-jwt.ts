import { encodeUser, fmtCreds, type ClaimsData, type KeyPair, type Permissions, type User } from '@nats-io/jwt';
import { decodeJwt } from './jwt-decode.js';
import { keyPairFromSeed } from './keys.js';
import { NativeKeyPair } from './native-key-pair.js';

export interface UserJwtRequest {
  /** Shown by the server as the connection's `name_tag`. */
  name: string;
  userPublicKey: string;
  /** The account the user belongs to (`issuer_account`). */
  accountPublicKey: string;
  /** One of that account's signing keys (not its identity key). */
  accountSigningSeed: string;
  /** Omitted: unrestricted within the account. */
  permissions?: Permissions;
  /** Omitted: never expires. */
  expiresAt?: Date;
}

/** A user JWT signed with an account signing key. Only the public key is needed: seeds stay with their owner. */
export async function signUserJwt(request: UserJwtRequest): Promise<string> {
  const user: Partial<User> = { ...(request.permissions ?? {}) };
  return encodeUser(request.name, request.userPublicKey, request.accountPublicKey, user, {
    signer: keyPairFromSeed(request.accountSigningSeed, 'account'),
    ...(request.expiresAt ? { exp: Math.floor(request.expiresAt.getTime() / 1000) } : {}),
  });
}

/** The text of a `.creds` file (user JWT + user seed), what `credsAuthenticator` takes. */
export function credsText(jwt: string, user: KeyPair): string {
  return new TextDecoder().decode(fmtCreds(jwt, user));
}

/** A new user key pair plus a JWT for it, as creds text: for the control plane's own users. */
export async function createUserCreds(request: Omit<UserJwtRequest, 'userPublicKey'>): Promise<string> {
  const user = NativeKeyPair.create('user');
  return credsText(await signUserJwt({ ...request, userPublicKey: user.getPublicKey() }), user);
}

const CREDS_JWT = /-----BEGIN NATS USER JWT-----\s*([^\s-][^\s]*)\s*-+END NATS USER JWT-+/;

/** The user JWT inside creds text (verified signature), or an Error saying what is wrong. */
export function userClaimsOfCreds(creds: string): ClaimsData<User> | Error {
  const jwt = CREDS_JWT.exec(creds)?.[1];
  if (!jwt) return new Error('no "BEGIN NATS USER JWT" block');
  if (!/-----BEGIN USER NKEY SEED-----\s*SU[A-Z2-7]+\s*-+END USER NKEY SEED-+/.test(creds)) return new Error('no user seed block');
  try {
    const claims = decodeJwt<User>(jwt);
    return claims.nats.type === 'user' ? claims : new Error('the JWT is not a user JWT');
  } catch (error) {
    return new Error(`the user JWT does not verify: ${(error as Error).message}`);
  }
}

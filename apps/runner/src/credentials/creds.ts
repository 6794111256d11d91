import { fmtCreds } from '@nats-io/jwt';
import { fromSeed } from '@nats-io/nkeys';

/** The two parts of a NATS `.creds` file. The seed is the runner's secret: never log it. */
export interface RunnerCreds {
  jwt: string;
  seed: string;
}

/** The text of runner.creds, in the format nats-server's tools and `credsAuthenticator` read. */
export function formatCreds({ jwt, seed }: RunnerCreds): string {
  return new TextDecoder().decode(fmtCreds(jwt, fromSeed(new TextEncoder().encode(seed))));
}

// The same pattern as credsAuthenticator's: dashed BEGIN line, the value, dashed END line.
const BLOCK = /\s*(?:(?:-{3,}[^\n]*-{3,}\n)(.+)(?:\n\s*-{3,}[^\n]*-{3,}\n))/g;

/** The JWT and seed of creds text, or an Error that quotes neither. */
export function parseCreds(text: string): RunnerCreds | Error {
  const blocks = [...text.matchAll(BLOCK)].map((match) => match[1]?.trim() ?? '');
  const [jwt, seed] = blocks;
  if (!jwt || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(jwt)) return new Error('no NATS user JWT block in it');
  if (!seed || !/^SU[A-Z2-7]+$/.test(seed)) return new Error('no user nkey seed block in it');
  return { jwt, seed };
}

export interface JwtTimes {
  /** `iat`: when the control plane signed it. */
  issuedAt: Date;
  /** `exp`, or null for a JWT that never expires (runners' always do). */
  expiresAt: Date | null;
}

/**
 * When a JWT was issued and expires. Unverified on purpose: NATS verifies the JWT, the runner
 * only needs its own JWT's times to plan the renewal.
 */
export function jwtTimes(jwt: string): JwtTimes {
  const payload = jwt.split('.')[1];
  if (!payload) throw new Error('not a JWT');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iat?: unknown; exp?: unknown };
  if (typeof claims.iat !== 'number') throw new Error('the JWT has no iat claim');
  return { issuedAt: new Date(claims.iat * 1000), expiresAt: typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : null };
}

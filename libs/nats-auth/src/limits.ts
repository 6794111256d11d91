import type { AccountLimits } from './account-jwt.js';

/**
 * Explicit "no limit" for every account JWT. encodeAccount sets no limits at all, and nats-server
 * 2.9 then accepts the JWT but refuses every connection ("maximum account active connections
 * exceeded"), which the client only sees as a connect timeout (NATS-AUTH.md).
 */
export const UNLIMITED_ACCOUNT_LIMITS: Readonly<AccountLimits> = Object.freeze({
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
});

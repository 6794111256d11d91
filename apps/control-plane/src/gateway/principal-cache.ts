import type { Principal } from '../auth/principal.js';

/**
 * Remembers the principal of a key for a few seconds, so a session's messages do not each cost a
 * Postgres lookup (the key check is otherwise the largest part of the gateway's own latency). The
 * price: a revoked or narrowed key keeps working on the gateway for up to `ttlMs`. Keyed by the
 * key's SHA-256 (never the key itself). Pure: time comes in as `now`.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(keyHash: string, now: number): Principal | undefined {
    const entry = this.entries.get(keyHash);
    if (entry === undefined) return undefined;
    if (entry.until <= now) {
      this.entries.delete(keyHash);
      return undefined;
    }
    return entry.principal;
  }

  /** Forgets every entry of the key `keyId` (it was found revoked): its next check reads the database. */
  forgetKey(keyId: string): void {
    for (const [keyHash, entry] of this.entries) if (entry.principal.keyId === keyId) this.entries.delete(keyHash);
  }

  set(keyHash: string, principal: Principal, now: number): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: the oldest entry goes first.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(keyHash, { principal, until: now + this.ttlMs });
  }
}

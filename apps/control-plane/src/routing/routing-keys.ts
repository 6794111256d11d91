// Every Redis key of the routing statistics, in one place (docs/router.md, "In the control plane").
// Keys of one server carry its id in a hash tag (`{<serverId>}`) so they share a Redis Cluster slot
// and one pipeline or MULTI can touch them all.

const PREFIX = 'sy:rt';

export const routingKeys = {
  /**
   * Hash of per-runner health that must be shared exactly, not merged: `<runnerId>:cf` (consecutive
   * failures, HINCRBY / reset to 0), `<runnerId>:ej` (ejection JSON), `<runnerId>:probe` (probe JSON).
   */
  runners: (serverId: string) => `${PREFIX}:{${serverId}}:runners`,
  /** Hash of one success-rate interval's counts, `<runnerId>:s` and `<runnerId>:f` (HINCRBY). */
  window: (serverId: string, windowStart: number) => `${PREFIX}:{${serverId}}:win:${windowStart}`,
  /** Elects the one replica that runs the success-rate sweep at the end of a window (SET NX). */
  sweep: (serverId: string, windowStart: number) => `${PREFIX}:{${serverId}}:sweep:${windowStart}`,
  /** Hash of arm reward statistics, field `<versionId>:<replicaId>` → JSON ArmStats. */
  arms: (serverId: string) => `${PREFIX}:{${serverId}}:arms`,
  /** One prober per runner per round (SET NX PX). */
  probeLock: (runnerId: string, roundStart: number) => `${PREFIX}:probe:${runnerId}:${roundStart}`,
};

/** Start of the interval that holds `now`, aligned to the epoch so every replica agrees on it. */
export function windowStart(now: number, intervalMs: number): number {
  return Math.floor(now / intervalMs) * intervalMs;
}

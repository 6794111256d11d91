// Discounted reward statistics per arm. Discounting is by time, not by step: every observation's
// weight halves after `halfLifeMs` (γ = 2^(−Δt / halfLife) applied to the pseudo-counts). A
// per-step γ needs one global step counter, which replicas cannot share cheaply; a time discount
// only needs a timestamp, so two replicas' stats merge exactly (decay both to the later time, add).
// halfLifeMs = Infinity gives the undiscounted bandit.

export interface ArmStats {
  /** Discounted sum of rewards in [0, 1]. */
  rewardSum: number;
  /** Discounted number of counted calls. */
  count: number;
  /** The time both sums are discounted to (ms). */
  updatedAt: number;
}

export type ArmStatsByVersion = Readonly<Record<string, ArmStats>>;

export const emptyArmStats = (now: number): ArmStats => ({ rewardSum: 0, count: 0, updatedAt: now });

export function discountFactor(elapsedMs: number, halfLifeMs: number): number {
  if (!Number.isFinite(halfLifeMs) || elapsedMs <= 0) return 1;
  return 2 ** (-elapsedMs / halfLifeMs);
}

/** The stats as seen at `now` (never moves backwards in time). */
export function decayTo(stats: ArmStats, now: number, halfLifeMs: number): ArmStats {
  if (now <= stats.updatedAt) return stats;
  const g = discountFactor(now - stats.updatedAt, halfLifeMs);
  return { rewardSum: stats.rewardSum * g, count: stats.count * g, updatedAt: now };
}

export function recordReward(
  stats: ArmStatsByVersion,
  versionId: string,
  reward: number,
  now: number,
  halfLifeMs: number,
): ArmStatsByVersion {
  const current = decayTo(stats[versionId] ?? emptyArmStats(now), now, halfLifeMs);
  return {
    ...stats,
    [versionId]: { rewardSum: current.rewardSum + reward, count: current.count + 1, updatedAt: Math.max(now, current.updatedAt) },
  };
}

/** Exact for disjoint observations: commutative and associative. */
export function mergeArmStats(a: ArmStats, b: ArmStats, halfLifeMs: number): ArmStats {
  const at = Math.max(a.updatedAt, b.updatedAt);
  const x = decayTo(a, at, halfLifeMs);
  const y = decayTo(b, at, halfLifeMs);
  return { rewardSum: x.rewardSum + y.rewardSum, count: x.count + y.count, updatedAt: at };
}

export function mergeArmStatsByVersion(a: ArmStatsByVersion, b: ArmStatsByVersion, halfLifeMs: number): ArmStatsByVersion {
  const out: Record<string, ArmStats> = { ...a };
  for (const [id, s] of Object.entries(b)) out[id] = out[id] ? mergeArmStats(out[id], s, halfLifeMs) : s;
  return out;
}

/** Mean reward at `now`, or undefined without data. */
export function meanReward(stats: ArmStats | undefined): number | undefined {
  return stats && stats.count > 0 ? stats.rewardSum / stats.count : undefined;
}

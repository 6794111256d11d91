// Residency is the first and only hard filter: a candidate outside the policy's allowed
// jurisdictions, regions or nodepool kinds is removed before health, cost or weights are looked
// at, so no later rule (failover, panic, a bandit) can ever spill a call into a forbidden place.
import type { Candidate, NodepoolInfo, ResidencyRules } from './types.js';

export type ResidencyConstraint = 'jurisdiction' | 'region' | 'kind' | 'unknown-nodepool';

/** Why candidates in one nodepool were removed: safe to show to the caller (no secrets here). */
export interface ResidencyRemoval {
  nodepoolName: string;
  constraint: ResidencyConstraint;
  /** The nodepool's value for that constraint, e.g. "US" for a jurisdiction. */
  value: string;
  /** What the policy allows on that dimension. */
  allowed: readonly string[];
  candidates: number;
}

export interface ResidencyResult {
  eligible: Candidate[];
  removed: ResidencyRemoval[];
}

/**
 * The first constraint a nodepool breaks, or undefined when it may serve the policy. A candidate
 * whose nodepool is not in the snapshot is removed too: fail closed on missing data.
 */
export function residencyViolation(
  nodepool: NodepoolInfo | undefined,
  rules: ResidencyRules,
): { constraint: ResidencyConstraint; value: string; allowed: readonly string[] } | undefined {
  if (!nodepool) return { constraint: 'unknown-nodepool', value: '', allowed: [] };
  if (rules.allowedJurisdictions.length > 0 && !rules.allowedJurisdictions.includes(nodepool.jurisdiction)) {
    return { constraint: 'jurisdiction', value: nodepool.jurisdiction, allowed: rules.allowedJurisdictions };
  }
  if (rules.allowedRegions.length > 0 && !rules.allowedRegions.includes(nodepool.region)) {
    return { constraint: 'region', value: nodepool.region, allowed: rules.allowedRegions };
  }
  if (rules.allowedKinds.length > 0 && !rules.allowedKinds.includes(nodepool.kind)) {
    return { constraint: 'kind', value: nodepool.kind, allowed: rules.allowedKinds };
  }
  return undefined;
}

export function filterByResidency(
  candidates: readonly Candidate[],
  nodepools: ReadonlyMap<string, NodepoolInfo>,
  rules: ResidencyRules,
): ResidencyResult {
  const eligible: Candidate[] = [];
  const removedByPool = new Map<string, ResidencyRemoval>();
  for (const candidate of candidates) {
    const nodepool = nodepools.get(candidate.nodepoolId);
    const violation = residencyViolation(nodepool, rules);
    if (!violation) {
      eligible.push(candidate);
      continue;
    }
    const existing = removedByPool.get(candidate.nodepoolId);
    if (existing) existing.candidates += 1;
    else {
      removedByPool.set(candidate.nodepoolId, {
        nodepoolName: nodepool?.name ?? candidate.nodepoolId,
        ...violation,
        candidates: 1,
      });
    }
  }
  return { eligible, removed: [...removedByPool.values()] };
}

/** One line per removal, e.g. `eu-pool: jurisdiction US not in [EU] (3 candidates)`. */
export function describeRemovals(removed: readonly ResidencyRemoval[]): string {
  return removed
    .map((r) =>
      r.constraint === 'unknown-nodepool'
        ? `${r.nodepoolName}: nodepool unknown (${r.candidates} candidate${r.candidates === 1 ? '' : 's'})`
        : `${r.nodepoolName}: ${r.constraint} ${r.value} not in [${r.allowed.join(', ')}] (${r.candidates} candidate${r.candidates === 1 ? '' : 's'})`,
    )
    .join('; ');
}

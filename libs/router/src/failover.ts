// Failover order across nodepools: the policy names nodepools in order of preference (e.g.
// on-prem, then VPC, then SaaS); nodepools it does not name come after the named ones. Within the
// same rank the cheaper nodepool (costPerCall) wins, then the name, so the order is total and
// every replica computes the same one.
import type { NodepoolInfo } from './types.js';

export function compareNodepools(a: NodepoolInfo, b: NodepoolInfo, failoverOrder: readonly string[]): number {
  const rank = (n: NodepoolInfo) => {
    const i = failoverOrder.indexOf(n.name);
    return i === -1 ? failoverOrder.length : i;
  };
  return rank(a) - rank(b) || a.costPerCall - b.costPerCall || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * The most preferred nodepool among `nodepoolIds` (each holding at least one routable runner of
 * the arm being placed). Failover is per arm: the split between versions is the rollout's
 * decision, where each version runs is this one, so a preferred pool that lacks the challenger
 * does not starve it.
 */
export function preferredNodepool(
  nodepoolIds: Iterable<string>,
  nodepools: ReadonlyMap<string, NodepoolInfo>,
  failoverOrder: readonly string[],
): NodepoolInfo | undefined {
  let best: NodepoolInfo | undefined;
  for (const id of nodepoolIds) {
    const pool = nodepools.get(id);
    if (pool && (!best || compareNodepools(pool, best, failoverOrder) < 0)) best = pool;
  }
  return best;
}

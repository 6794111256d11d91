// The plain data the router decides over. The control plane builds a RouteSnapshot from Postgres
// (policy, nodepools, deployments), heartbeats (runners, outstanding requests) and Redis (health,
// arm statistics); the router never fetches anything itself.

export type NodepoolKind = 'SAAS' | 'VPC' | 'ON_PREM';

/** Mirrors the RouterKind enum of prisma/schema.prisma. */
export type RouterKind = 'WEIGHTED' | 'THOMPSON' | 'UCB1' | 'EPSILON_GREEDY';

export interface NodepoolInfo {
  id: string;
  name: string;
  kind: NodepoolKind;
  region: string;
  jurisdiction: string;
  /** Nodepool.costPerCall: the failover tie-breaker and the cost term of the bandit reward. */
  costPerCall: number;
}

/**
 * A runner that can take work right now. The snapshot builder leaves out runners that are
 * OFFLINE, DRAINING, revoked or fenced: those are not health signals, they are unreachable.
 */
export interface RunnerInfo {
  id: string;
  nodepoolId: string;
  /** Requests this control plane has in flight on the runner (least-outstanding choice). */
  outstanding: number;
}

/** A server version taking part in routing: one "arm". */
export interface ArmInfo {
  versionId: string;
  /** Operator-declared: one upstream connection may serve many sessions. */
  stateless: boolean;
  /** Hash of the version's tool definitions, once seen; null until then. */
  toolsHash: string | null;
  /** A rolled-back arm gets no new traffic from the next decision on. */
  rolledBack: boolean;
}

/** One place a version can run: (runner × nodepool × version), from the deployments placed. */
export interface Candidate {
  runnerId: string;
  nodepoolId: string;
  versionId: string;
}

/** The residency part of RoutePolicy (prisma). An empty list means "no restriction". */
export interface ResidencyRules {
  allowedJurisdictions: readonly string[];
  allowedRegions: readonly string[];
  allowedKinds: readonly NodepoolKind[];
}

export interface RoutePolicyInfo extends ResidencyRules {
  id: string;
  serverName: string;
  /** Nodepool names, most preferred first; unlisted nodepools come after, cheapest first. */
  failoverOrder: readonly string[];
}

import type { RetryPolicy } from '@switchyard/router';

/** A place a new session can run: one runner's placement of one deployment of a server version. */
export interface Upstream {
  runnerId: string;
  nodepoolId: string;
  deploymentId: string;
  versionId: string;
  /** From the policy router: the probability of this choice, the rollout it served, the cost per call. */
  propensity?: number;
  rolloutId?: string | null;
  costPerCall?: number;
  /** `call`: the versions are stateless with equal tools, so each tools/call may be routed on its own (docs/router.md). */
  unit?: 'session' | 'call';
}

/**
 * Picks where a new session of a server runs, best first; the gateway tries them in order while
 * runners answer "not here" (AT_CAPACITY, NOT_PLACED…). Implemented by the policy router
 * (src/routing RoutedUpstreamChooser: residency, ejection, rollout weights, least outstanding),
 * which throws a DomainError rather than return a place outside the policy.
 */
export interface UpstreamChooser {
  /** At most `limit` candidates (default: the implementation's own number). */
  candidates(serverName: string, limit?: number): Promise<Upstream[]>;
  /** Another runner of the same version, for a retry after the session's runner was lost; absent: no retries. */
  sameVersionElsewhere?(serverName: string, versionId: string, excludeRunnerIds: readonly string[]): Promise<Upstream | undefined>;
  /** The server's retry settings (RoutePolicy); absent: no retries. */
  retryPolicy?(serverName: string): Promise<Readonly<RetryPolicy>>;
}

export const UPSTREAM_CHOOSER = Symbol('UpstreamChooser');

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
}

/**
 * Picks where a new session of a server runs, best first; the gateway tries them in order while
 * runners answer "not here" (AT_CAPACITY, NOT_PLACED…). Today's choice is PlacedRunnerChooser; the
 * policy router (residency, ejection, rollout weights, least outstanding) replaces it behind this
 * interface.
 */
export interface UpstreamChooser {
  candidates(serverName: string): Promise<Upstream[]>;
}

export const UPSTREAM_CHOOSER = Symbol('UpstreamChooser');

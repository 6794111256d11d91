// Route-time view of health over the runners a request may use. Two guards make sure a bad signal
// cannot take a server down: ejections are capped at maxEjectedShare of these runners (even if the
// shared state says more, e.g. after replicas merged), and below panicThreshold healthy runners
// the router ignores health entirely (Envoy's panic mode: spread load over all rather than crush
// the few that are left).
import { maxEjectedRunners } from './ejection.js';
import type { OutlierConfig } from './outlier-config.js';
import { isEjected, type HealthState } from './runner-health.js';

export interface HealthView {
  /** Runners the request may go to. */
  routable: ReadonlySet<string>;
  /** Runners out because of outlier ejection (after the cap). */
  ejected: string[];
  /** Runners out because active probes failed. */
  probeDown: string[];
  healthyShare: number;
  panic: boolean;
}

/** runnerIds: the distinct runners that passed residency for this request. */
export function healthView(
  runnerIds: readonly string[],
  state: HealthState,
  now: number,
  config: Pick<OutlierConfig, 'maxEjectedShare' | 'panicThreshold'>,
): HealthView {
  const ejectedNow = runnerIds
    .filter((id) => isEjected(state.runners[id], now))
    // Over the cap, the runners ejected longest ago stay out: the newest ejection is the one the
    // cap refuses, exactly as if it had been checked at ejection time.
    .sort((a, b) => state.runners[a]!.ejectedAt! - state.runners[b]!.ejectedAt! || (a < b ? -1 : 1));
  const ejected = ejectedNow.slice(0, maxEjectedRunners(runnerIds.length, config));
  const out = new Set(ejected);
  const probeDown: string[] = [];
  for (const id of runnerIds) {
    if (!out.has(id) && state.runners[id]?.probeDown) {
      probeDown.push(id);
      out.add(id);
    }
  }
  const healthy = runnerIds.filter((id) => !out.has(id));
  const healthyShare = runnerIds.length === 0 ? 0 : healthy.length / runnerIds.length;
  const panic = runnerIds.length > 0 && healthyShare < config.panicThreshold;
  return {
    routable: new Set(panic ? runnerIds : healthy),
    ejected,
    probeDown,
    healthyShare,
    panic,
  };
}

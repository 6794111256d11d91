// Route-time view of health over the runners a request may use. Two guards make sure a bad signal
// cannot take a server down: ejections are capped at maxEjectedShare of these runners (even if the
// shared state says more, e.g. after replicas merged), and below panicThreshold healthy runners
// the router ignores health entirely (Envoy's panic mode: spread load over all rather than crush
// the few that are left).
import { maxEjectedRunners } from './ejection.js';
import type { OutlierConfig } from './outlier-config.js';
import { isEjected, type HealthState } from './runner-health.js';

export interface HealthView {
  /** Runners out of rotation (ejected after the cap, or probed down); empty in panic. */
  excluded: ReadonlySet<string>;
  /** Runners out because of outlier ejection (after the cap). */
  ejected: string[];
  /** Runners out because active probes failed. */
  probeDown: string[];
  healthyShare: number;
  panic: boolean;
}

const NOTHING_EXCLUDED: ReadonlySet<string> = new Set();

export function isRoutable(view: HealthView, runnerId: string): boolean {
  return !view.excluded.has(runnerId);
}

/** runnerIds: the distinct runners that passed residency for this request. */
export function healthView(
  runnerIds: readonly string[],
  state: HealthState,
  now: number,
  config: Pick<OutlierConfig, 'maxEjectedShare' | 'panicThreshold'>,
): HealthView {
  let ejected: string[] = [];
  const probeDown: string[] = [];
  for (const id of runnerIds) {
    const health = state.runners[id];
    if (health === undefined) continue;
    if (isEjected(health, now)) ejected.push(id);
    else if (health.probeDown) probeDown.push(id);
  }
  if (ejected.length === 0 && probeDown.length === 0) {
    return { excluded: NOTHING_EXCLUDED, ejected, probeDown, healthyShare: runnerIds.length > 0 ? 1 : 0, panic: false };
  }
  const cap = maxEjectedRunners(runnerIds.length, config);
  if (ejected.length > cap) {
    // Over the cap, the runners ejected longest ago stay out: the newest ejection is the one the
    // cap refuses, exactly as if it had been checked at ejection time. A runner let back in this
    // way still counts as down if its probes fail.
    ejected.sort((a, b) => state.runners[a]!.ejectedAt! - state.runners[b]!.ejectedAt! || (a < b ? -1 : 1));
    for (const id of ejected.slice(cap)) if (state.runners[id]!.probeDown) probeDown.push(id);
    ejected = ejected.slice(0, cap);
  }
  const out = ejected.length + probeDown.length;
  const healthyShare = (runnerIds.length - out) / runnerIds.length;
  const panic = healthyShare < config.panicThreshold;
  return {
    excluded: panic ? NOTHING_EXCLUDED : new Set([...ejected, ...probeDown]),
    ejected,
    probeDown,
    healthyShare,
    panic,
  };
}

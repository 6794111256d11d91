// Active probes (a periodic `ping` and `tools/list` per runner) feed the same health state.
// Like Envoy's active health checking they mark a runner down after `probeUnhealthyThreshold`
// failures in a row, without the ejection cap (a dead runner is dead); the panic threshold is the
// safety net when probes take down too many.
import { uneject } from './ejection.js';
import type { OutlierConfig } from './outlier-config.js';
import { freshRunnerHealth, withRunner, type HealthState } from './runner-health.js';

export interface ProbeResult {
  runnerId: string;
  check: 'ping' | 'tools/list';
  ok: boolean;
  at: number;
}

export function recordProbe(state: HealthState, probe: ProbeResult, config: OutlierConfig): HealthState {
  const health = state.runners[probe.runnerId] ?? freshRunnerHealth();
  if (!probe.ok) {
    const probeFailuresInRow = health.probeFailuresInRow + 1;
    return withRunner(state, probe.runnerId, {
      ...health,
      probeFailuresInRow,
      probeSuccessesInRow: 0,
      probeDown: health.probeDown || probeFailuresInRow >= config.probeUnhealthyThreshold,
    });
  }
  const probeSuccessesInRow = health.probeSuccessesInRow + 1;
  let next = {
    ...health,
    probeFailuresInRow: 0,
    probeSuccessesInRow,
    probeDown: health.probeDown && probeSuccessesInRow < config.probeHealthyThreshold,
  };
  if (config.probeSuccessUnejects && next.ejectionCause === 'consecutive-failures') next = uneject(next);
  return withRunner(state, probe.runnerId, next);
}

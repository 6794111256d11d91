// Passive outlier detection settings, named and defaulted after Envoy's OutlierDetection
// (config.cluster.v3.OutlierDetection) so operators who know Envoy know these. Where we differ
// from Envoy's default, the reason is next to the value; docs/router.md has the table.

export interface OutlierConfig {
  /** Envoy consecutive_5xx: failures in a row that eject a runner. */
  consecutiveFailures: number;
  /** Envoy interval: how often the success-rate sweep runs (ms). */
  intervalMs: number;
  /** Envoy base_ejection_time: ejection lasts base × (number of times ejected) (ms). */
  baseEjectionMs: number;
  /** Envoy max_ejection_time: cap on one ejection's duration (ms). */
  maxEjectionMs: number;
  /**
   * Envoy max_ejection_percent as a share (0..1). Envoy defaults to 10%; we default to 50% because
   * a server often runs on a handful of runners, where 10% would never allow a single ejection.
   * Unlike Envoy we never eject "at least one host regardless": the cap is a hard invariant.
   */
  maxEjectedShare: number;
  /** Envoy success_rate_minimum_hosts: runners with enough volume needed for the sweep. */
  successRateMinimumRunners: number;
  /** Envoy success_rate_request_volume: calls in the interval for a runner to count in the sweep. */
  successRateRequestVolume: number;
  /** Envoy success_rate_stdev_factor / 1000: eject below mean − factor × stdev. */
  successRateStdevFactor: number;
  /**
   * Envoy healthy_panic_threshold as a share: below this healthy share, route across every eligible
   * runner and ignore health, so a bad signal (or a bug here) cannot take a server down.
   */
  panicThreshold: number;
  /** Envoy unhealthy_threshold for active checks: failed probes in a row that mark a runner down. */
  probeUnhealthyThreshold: number;
  /** Envoy healthy_threshold: passing probes in a row that bring a probed-down runner back. */
  probeHealthyThreshold: number;
  /**
   * Envoy successful_active_health_check_uneject_host: a passing probe returns a runner ejected
   * for consecutive failures (a restarted upstream should not sit out its whole ejection). Success-rate outliers stay out: a runner that answers
   * ping but fails tool calls more than its peers is exactly what that ejection is for.
   */
  probeSuccessUnejects: boolean;
}

export const DEFAULT_OUTLIER_CONFIG: Readonly<OutlierConfig> = Object.freeze({
  consecutiveFailures: 5,
  intervalMs: 10_000,
  baseEjectionMs: 30_000,
  maxEjectionMs: 300_000,
  maxEjectedShare: 0.5,
  successRateMinimumRunners: 5,
  successRateRequestVolume: 100,
  successRateStdevFactor: 1.9,
  panicThreshold: 0.5,
  probeUnhealthyThreshold: 2,
  probeHealthyThreshold: 2,
  probeSuccessUnejects: true,
});

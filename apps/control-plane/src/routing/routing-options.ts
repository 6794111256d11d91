import type { OutlierConfig } from '@switchyard/router';

/** Knobs for tests and benchmarks; production uses the defaults. */
export interface RoutingOptions {
  /** Names this replica's arm statistics in Redis; default: a fresh UUID per process. */
  replicaId?: string;
  /** Random source for decisions and Thompson's Monte Carlo; default Math.random. */
  rng?: () => number;
  /** Outlier detection settings; default libs/router's DEFAULT_OUTLIER_CONFIG. */
  outlier?: Partial<OutlierConfig>;
  /** Start the 1 s refresh loop and the probe timer on bootstrap (default true). */
  timers?: boolean;
}

export const ROUTING_OPTIONS = Symbol('RoutingOptions');

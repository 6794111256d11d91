import { DEFAULT_OUTLIER_CONFIG, type OutlierConfig } from './health/outlier-config.js';

export interface RouterConfig {
  outlier: OutlierConfig;
  /** Bandits: the share every healthy arm keeps at least (min(floor, 1/k) with k arms). */
  floorShare: number;
  /** Bandits: precomputed preferences older than this are recomputed on the request path. */
  preferencesMaxAgeMs: number;
}

export const DEFAULT_ROUTER_CONFIG: Readonly<RouterConfig> = Object.freeze({
  outlier: DEFAULT_OUTLIER_CONFIG,
  floorShare: 0.05,
  preferencesMaxAgeMs: 5_000,
});

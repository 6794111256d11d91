// A server's RoutePolicy as the router takes it. routerParams were validated when the policy was
// saved, but a row written by an older version (or by hand) may not pass today's schema: routing
// then falls back to the defaults and logs it, rather than failing every call of the server.
import { DEFAULT_RETRY_POLICY, DEFAULT_ROUTER_CONFIG, parseRouterParams, type RetryPolicy, type RoutePolicyInfo, type RouterKind, type RouterParams } from '@switchyard/router';
import type { ServerPolicyRow } from './routing.repository.js';

export interface ServerRoutingPolicy {
  serverId: string;
  policy: RoutePolicyInfo;
  routerKind: RouterKind;
  params: RouterParams;
  /** Set when the stored routerParams were refused and the defaults are used instead. */
  paramsProblem: string | null;
  /** The policy's retryMaxAttempts and retryBudgetRatio over libs/router's other defaults; no policy: no retries. */
  retry: Readonly<RetryPolicy>;
}

/** The id a refusal names for a server that has no RoutePolicy row (no residency rules, fixed weights). */
export const DEFAULT_POLICY_ID = 'default';

export function serverRoutingPolicy(row: ServerPolicyRow): ServerRoutingPolicy {
  const stored = row.policy;
  let params: RouterParams;
  let paramsProblem: string | null = null;
  try {
    params = parseRouterParams(stored?.routerParams ?? {});
  } catch (error) {
    paramsProblem = (error as Error).message;
    params = parseRouterParams({});
  }
  return {
    serverId: row.serverId,
    policy: Object.freeze({
      id: stored?.id ?? DEFAULT_POLICY_ID,
      serverName: row.serverName,
      allowedJurisdictions: Object.freeze([...(stored?.allowedJurisdictions ?? [])]),
      allowedRegions: Object.freeze([...(stored?.allowedRegions ?? [])]),
      allowedKinds: Object.freeze([...(stored?.allowedKinds ?? [])]),
      failoverOrder: Object.freeze([...(stored?.failoverOrder ?? [])]),
    }),
    routerKind: stored?.routerKind ?? 'WEIGHTED',
    params,
    paramsProblem,
    retry: Object.freeze({
      ...DEFAULT_RETRY_POLICY,
      maxAttempts: stored?.retryMaxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
      budgetRatio: stored?.retryBudgetRatio ?? DEFAULT_RETRY_POLICY.budgetRatio,
    }),
  };
}

/** The router's config for this policy: the default outlier settings, the policy's floor. */
export function routerConfigFor(params: RouterParams) {
  return Object.freeze({ ...DEFAULT_ROUTER_CONFIG, floorShare: params.floorShare });
}

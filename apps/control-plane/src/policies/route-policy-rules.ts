import type { FieldProblem } from '@switchyard/protocol';

/** Router parameters are a handful of numbers (epsilon, priors, …); anything bigger is a mistake. */
export const MAX_ROUTER_PARAMS_BYTES = 4096;

/**
 * Each failover entry must name an existing nodepool, once: the router walks the list in order,
 * so a typo would silently drop a fallback and a repeat would make the order ambiguous.
 */
export function failoverOrderProblems(failoverOrder: readonly string[], existingNodepools: ReadonlySet<string>): FieldProblem[] {
  const seen = new Set<string>();
  return failoverOrder.flatMap((name, index) => {
    const path = `failoverOrder.${index}`;
    if (seen.has(name)) return [{ path, message: `nodepool "${name}" is listed more than once` }];
    seen.add(name);
    return existingNodepools.has(name) ? [] : [{ path, message: `no nodepool named "${name}" exists` }];
  });
}

export function routerParamsProblems(routerParams: Record<string, unknown>): FieldProblem[] {
  const bytes = Buffer.byteLength(JSON.stringify(routerParams), 'utf8');
  return bytes > MAX_ROUTER_PARAMS_BYTES
    ? [{ path: 'routerParams', message: `must be at most ${MAX_ROUTER_PARAMS_BYTES} bytes of JSON (got ${bytes})` }]
    : [];
}

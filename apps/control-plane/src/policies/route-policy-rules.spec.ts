import { failoverOrderProblems, MAX_ROUTER_PARAMS_BYTES, routerParamsProblems } from './route-policy-rules.js';

describe('failoverOrderProblems', () => {
  const existing = new Set(['eu-saas', 'de-onprem']);

  it('accepts existing nodepools in any order', () => {
    expect(failoverOrderProblems(['de-onprem', 'eu-saas'], existing)).toEqual([]);
  });

  it('reports each unknown nodepool at its own index', () => {
    expect(failoverOrderProblems(['eu-saas', 'nope', 'gone'], existing)).toEqual([
      { path: 'failoverOrder.1', message: 'no nodepool named "nope" exists' },
      { path: 'failoverOrder.2', message: 'no nodepool named "gone" exists' },
    ]);
  });

  it('reports a repeated nodepool once, at the repeat', () => {
    expect(failoverOrderProblems(['eu-saas', 'de-onprem', 'eu-saas'], existing)).toEqual([
      { path: 'failoverOrder.2', message: 'nodepool "eu-saas" is listed more than once' },
    ]);
  });
});

describe('routerParamsProblems', () => {
  it('accepts small parameter objects', () => {
    expect(routerParamsProblems({ epsilon: 0.1 })).toEqual([]);
  });

  it('refuses parameters larger than the limit', () => {
    const problems = routerParamsProblems({ blob: 'x'.repeat(MAX_ROUTER_PARAMS_BYTES) });
    expect(problems.map((p) => p.path)).toEqual(['routerParams']);
  });
});

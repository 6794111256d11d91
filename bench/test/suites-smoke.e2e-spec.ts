import { benchSuites, expectSuiteSmokes, GATEWAY_SUITES } from './bench-smoke.js';

// Every suite but the gateway ones (gateway-suites-smoke.e2e-spec.ts), so a new suite is smoked
// without anyone listing it. A suite aborts itself after its own time limit; this is the backstop.
const SUITE_TIMEOUT_MS = 240_000;

describe('benchmark suites, smoke sizes (bench/run.js --smoke)', () => {
  const suites = benchSuites().filter((suite) => !GATEWAY_SUITES.includes(suite));

  it('finds the suites', () => {
    expect(suites).toEqual(expect.arrayContaining(['admin-api', 'router', 'runner-reconnect']));
  });

  it.each(suites)('%s runs, reports its tables and writes nothing', async (suite) => {
    await expectSuiteSmokes(suite);
  }, SUITE_TIMEOUT_MS);
});

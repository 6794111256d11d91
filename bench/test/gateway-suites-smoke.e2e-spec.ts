import { benchSuites, expectSuiteSmokes, GATEWAY_SUITES } from './bench-smoke.js';

// The longest suites, in a file of their own so that jest runs them beside the others.
const SUITE_TIMEOUT_MS = 240_000;

describe('gateway benchmark suites, smoke sizes (bench/run.js --smoke)', () => {
  it('exist', () => {
    expect(benchSuites()).toEqual(expect.arrayContaining(GATEWAY_SUITES));
  });

  it.each(GATEWAY_SUITES)('%s runs, reports its tables and writes nothing', async (suite) => {
    await expectSuiteSmokes(suite);
  }, SUITE_TIMEOUT_MS);
});

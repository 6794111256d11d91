// Prints the one line CI parses, `tests: N passed, N failed`, after jest's own summary.
// Under tools/test.sh (SWITCHYARD_TEST_SUMMARY_FILE set) the line goes to that file instead and
// the script prints it last, after its step timings.
import { writeFileSync } from 'node:fs';

interface AggregatedResult {
  numPassedTests: number;
  numFailedTests: number;
  /** Suites that crashed before running (syntax error, failing import, thrown in beforeAll…). */
  numRuntimeErrorTestSuites: number;
}

export default class SummaryReporter {
  onRunComplete(_contexts: unknown, results: AggregatedResult): void {
    // A suite that could not run hides its tests: count it as one failure so it is never "0 failed".
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed`;
    const file = process.env.SWITCHYARD_TEST_SUMMARY_FILE;
    if (file) writeFileSync(file, `${line}\n`);
    else process.stdout.write(`${line}\n`);
  }
}

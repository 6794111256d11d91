// Jest's own order (failed last time first, then the longest last time, else the largest file),
// except that the benchmark smoke specs (bench/test) go first when jest has no timing for them yet,
// as on a fresh clone in CI: they are small files that run for a minute or more, and by file size
// they would start last and be the whole run's tail on 2 workers.
import Sequencer from '@jest/test-sequencer';

const isBenchSmoke = (test) => /[\\/]bench[\\/]test[\\/]/.test(test.path);

export default class BenchSmokeFirstSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const first = sorted.filter((test) => isBenchSmoke(test) && test.duration == null);
    return [...first, ...sorted.filter((test) => !first.includes(test))];
  }
}

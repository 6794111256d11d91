import { CoalescedRun } from './coalesced-run.js';

/** A `work` whose runs end when the test says so. */
function controlledWork() {
  const ends: Array<() => void> = [];
  let started = 0;
  const work = () => {
    started += 1;
    return new Promise<void>((resolve) => ends.push(resolve));
  };
  return { work, started: () => started, endRun: (index: number) => ends[index]?.() };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescedRun', () => {
  it('starts a run at once when none is under way', async () => {
    const runs = controlledWork();
    const sut = new CoalescedRun(runs.work);

    const first = sut.run();
    runs.endRun(0);
    await first;

    expect(runs.started()).toBe(1);
  });

  it('gives every call made during a run one shared next run, started only after the current one ends', async () => {
    const runs = controlledWork();
    const sut = new CoalescedRun(runs.work);
    const first = sut.run();

    const second = sut.run();
    const third = sut.run();
    await settled();
    const startedWhileFirstRan = runs.started();
    runs.endRun(0);
    await first;
    await settled();
    const startedAfterFirst = runs.started();
    runs.endRun(1);
    await Promise.all([second, third]);

    expect(startedWhileFirstRan).toBe(1);
    expect(startedAfterFirst).toBe(2);
    expect(second).toBe(third);
  });

  it('starts afresh after the queued run, for calls made during it', async () => {
    const runs = controlledWork();
    const sut = new CoalescedRun(runs.work);
    const first = sut.run();
    const second = sut.run();
    runs.endRun(0);
    await first;
    await settled();

    const third = sut.run(); // during the second run
    runs.endRun(1);
    await second;
    await settled();
    runs.endRun(2);
    await third;

    expect(runs.started()).toBe(3);
    expect(third).not.toBe(second);
  });
});

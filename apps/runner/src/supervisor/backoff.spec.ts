import { backoffDelay, DEFAULT_BACKOFF, RestartTracker } from './backoff.js';

const always = (value: number) => () => value;

describe('backoffDelay', () => {
  it('doubles from 0.5 s up to 30 s, with half of each ceiling left to chance', () => {
    const lowest = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => backoffDelay(n, DEFAULT_BACKOFF, always(0)));
    const highest = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => backoffDelay(n, DEFAULT_BACKOFF, always(0.999999)));

    expect(lowest).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000]);
    expect(highest).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('spreads restarts of the same failure count across the jitter window', () => {
    const delays = [0.1, 0.4, 0.7].map((r) => backoffDelay(4, DEFAULT_BACKOFF, always(r)));

    expect(delays).toEqual([2_200, 2_800, 3_400]);
  });

  it('stays at the cap for a server that has failed thousands of times', () => {
    expect(backoffDelay(5_000, DEFAULT_BACKOFF, always(0.5))).toBe(22_500);
  });
});

describe('RestartTracker', () => {
  it('escalates while the server keeps crashing soon after each start', () => {
    const sut = new RestartTracker(DEFAULT_BACKOFF, always(0));
    let now = 0;
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      sut.started(now);
      now += 5_000; // up for 5 s, then down again
      delays.push(sut.failed(now));
      now += delays[i];
    }

    expect(delays).toEqual([250, 500, 1_000, 2_000]);
    expect(sut.consecutiveFailures).toBe(4);
  });

  it('starts from the first delay again after 60 s of healthy running', () => {
    const sut = new RestartTracker(DEFAULT_BACKOFF, always(0));
    sut.started(0);
    sut.failed(1_000);
    sut.started(2_000);
    sut.failed(3_000);
    sut.started(10_000);

    expect(sut.failed(10_000 + 59_999)).toBe(1_000); // third failure in a row: not yet healthy long enough
    sut.started(80_000);
    expect(sut.failed(80_000 + 60_000)).toBe(250);
    expect(sut.consecutiveFailures).toBe(1);
  });

  it('keeps escalating when a start attempt fails without ever coming up', () => {
    const sut = new RestartTracker(DEFAULT_BACKOFF, always(0));
    sut.started(0);

    expect(sut.failed(100_000)).toBe(250); // ran long enough: reset
    expect(sut.failed(200_000)).toBe(500); // never came up in between: no reset however long it took
  });
});

import { ReconnectBackoff } from './reconnect-backoff.js';

/**
 * nats.js's dial loop (protocol.js dodialLoop), reduced to its timing: on every turn it asks for
 * the delay and dials once `lastConnect + delay <= now`, else sleeps until then. The first attempt
 * comes at once (the last one was the connect long ago). Returns the attempt times until `untilMs`.
 */
function dialLoop(rng: () => number, untilMs: number): number[] {
  let now = 0;
  const sut = new ReconnectBackoff({ baseMs: 1_000, maxMs: 30_000, now: () => now, rng });
  const attempts: number[] = [];
  let lastConnect = -Infinity;
  while (now <= untilMs) {
    const wait = sut.nextDelay();
    if (lastConnect + wait <= now) {
      attempts.push(now);
      lastConnect = now;
      now += 1; // a failed dial takes a moment
    } else {
      now += Math.min(wait, lastConnect + wait - now);
    }
  }
  return attempts;
}

const gapsOf = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe('ReconnectBackoff', () => {
  it('starts between half the base delay and the base delay', () => {
    const at = (rng: () => number) => new ReconnectBackoff({ baseMs: 1_000, maxMs: 30_000, now: () => 0, rng }).nextDelay();
    expect(at(() => 0)).toBe(500);
    expect(at(() => 0.9999999)).toBe(1_000);
  });

  it("spaces nats.js's attempts exponentially further apart, up to the maximum", () => {
    for (const factor of [0, 0.5, 0.9999999]) {
      const gaps = gapsOf(dialLoop(() => factor, 300_000));
      // Below the cap, the gap at least doubles every third attempt (a small factor dials up to three times per doubling).
      const belowCap = gaps.filter((gap) => gap < 15_000);
      for (let i = 3; i < belowCap.length; i++) expect(belowCap[i]! / belowCap[i - 3]!).toBeGreaterThanOrEqual(2);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(30_001);
      expect(gaps.at(-1)).toBeGreaterThanOrEqual(15_000);
    }
  });

  it('comes back soon after the server does: the next attempt is at most about the outage length later', () => {
    for (const factor of [0, 0.3, 0.7, 0.9999999]) {
      const attempts = dialLoop(() => factor, 120_000);
      for (const outage of [2_500, 10_000, 40_000]) {
        const next = attempts.find((t) => t >= outage)!;
        expect(next - outage).toBeLessThanOrEqual(outage + 1_000);
      }
    }
  });

  it('spreads runners with different factors apart', () => {
    const byFactor = [0.05, 0.35, 0.65, 0.95].map((r) => dialLoop(() => r, 20_000));
    // After a 5 s outage the runners' next attempts differ.
    const next = byFactor.map((attempts) => attempts.find((t) => t >= 5_000)!);
    expect(new Set(next).size).toBe(4);
  });

  it('asks nothing new of the rng while one disconnection lasts (nats.js calls it several times per attempt)', () => {
    let draws = 0;
    let now = 0;
    const sut = new ReconnectBackoff({ baseMs: 1_000, maxMs: 30_000, now: () => now, rng: () => (draws++, 0.3) });
    sut.nextDelay();
    now += 5_000;
    sut.nextDelay();
    sut.nextDelay();
    expect(draws).toBe(1);
  });

  it('starts over after a reset (connected again)', () => {
    let now = 0;
    const sut = new ReconnectBackoff({ baseMs: 1_000, maxMs: 30_000, now: () => now, rng: () => 0.9999999 });
    sut.nextDelay();
    now += 20_000;
    expect(sut.nextDelay()).toBe(16_000);
    sut.reset();
    expect(sut.nextDelay()).toBe(1_000);
  });
});

import { renewalTime, retryDelay } from './renewal.js';

const times = (issued: number, expires: number | null) => ({ issuedAt: new Date(issued), expiresAt: expires === null ? null : new Date(expires) });

describe('renewal timing', () => {
  it('renews at 2/3 of the lifetime, give or take 5 % of it', () => {
    const hour = 3_600_000;
    expect(renewalTime(times(0, hour), () => 0.5)).toBeCloseTo((2 / 3) * hour);
    expect(renewalTime(times(0, hour), () => 0)).toBeCloseTo((2 / 3 - 0.05) * hour);
    expect(renewalTime(times(0, hour), () => 0.999_999)).toBeCloseTo((2 / 3 + 0.05) * hour, -1);
    expect(renewalTime(times(0, null), () => 0.5)).toBeNull();
  });

  it('retries with a doubling, jittered delay that never runs past half of the time left', () => {
    const full = () => 0.999_999;
    expect(retryDelay(1, 3_600_000, full)).toBeCloseTo(2_000, -1);
    expect(retryDelay(3, 3_600_000, full)).toBeCloseTo(8_000, -1);
    expect(retryDelay(20, 3_600_000, full)).toBeCloseTo(60_000, -1);
    expect(retryDelay(1, 3_600_000, () => 0)).toBe(1_000);
    expect(retryDelay(10, 10_000, full)).toBe(5_000);
    expect(retryDelay(10, 0, full)).toBe(100);
  });
});

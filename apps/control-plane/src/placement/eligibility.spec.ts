import { isEligible, isReachable, supplyOf, type RunnerState } from './eligibility.js';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const SILENCE_MS = 15_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

const runner = (overrides: Partial<RunnerState> = {}): RunnerState => ({
  id: 'r1',
  nodepoolId: 'p1',
  status: 'HEALTHY',
  capacity: 4,
  gpus: [],
  lastSeenAt: ago(1_000),
  fencedAt: null,
  revokedAt: null,
  ...overrides,
});

describe('isEligible', () => {
  it('takes a HEALTHY runner', () => {
    expect(isEligible(runner(), NOW, SILENCE_MS)).toBe(true);
  });

  it.each(['ENROLLED', 'OFFLINE', 'DRAINING'] as const)('refuses a runner that is %s', (status) => {
    expect(isEligible(runner({ status }), NOW, SILENCE_MS)).toBe(false);
  });

  it('refuses fenced and revoked runners even when HEALTHY', () => {
    expect(isEligible(runner({ fencedAt: ago(10) }), NOW, SILENCE_MS)).toBe(false);
    expect(isEligible(runner({ revokedAt: ago(10) }), NOW, SILENCE_MS)).toBe(false);
  });

  it('keeps an UNHEALTHY runner that still heartbeats (a server of it failed), not one gone silent', () => {
    expect(isEligible(runner({ status: 'UNHEALTHY', lastSeenAt: ago(SILENCE_MS) }), NOW, SILENCE_MS)).toBe(true);
    expect(isEligible(runner({ status: 'UNHEALTHY', lastSeenAt: ago(SILENCE_MS + 1) }), NOW, SILENCE_MS)).toBe(false);
    expect(isEligible(runner({ status: 'UNHEALTHY', lastSeenAt: null }), NOW, SILENCE_MS)).toBe(false);
  });
});

describe('isReachable', () => {
  it('sends to connected runners, not to offline, draining, fenced or revoked ones', () => {
    expect(['ENROLLED', 'HEALTHY', 'UNHEALTHY'].map((status) => isReachable(runner({ status: status as RunnerState['status'] })))).toEqual([true, true, true]);
    expect(['OFFLINE', 'DRAINING'].map((status) => isReachable(runner({ status: status as RunnerState['status'] })))).toEqual([false, false]);
    expect(isReachable(runner({ fencedAt: ago(1) }))).toBe(false);
    expect(isReachable(runner({ revokedAt: ago(1) }))).toBe(false);
  });
});

describe('supplyOf', () => {
  it('offers its capacity as slots and its GPUs as heartbeats reported them', () => {
    const gpus = [{ index: 0, uuid: 'GPU-1', name: 'NVIDIA A100-SXM4-80GB', memoryTotalMiB: 81920, memoryUsedMiB: 3 }];
    expect(supplyOf(runner({ gpus, capacity: 8 }), NOW, SILENCE_MS)).toEqual({
      id: 'r1',
      nodepoolId: 'p1',
      eligible: true,
      slots: 8,
      gpus: [{ index: 0, name: 'NVIDIA A100-SXM4-80GB', memoryTotalMiB: 81920 }],
    });
  });
});

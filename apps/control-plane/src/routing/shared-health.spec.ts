import { freshRunnerHealth } from '@switchyard/router';
import { ejectionRecord, healthFromHashes, probeRecord } from './shared-health.js';

describe('healthFromHashes', () => {
  it('reads counters, ejections and probe verdicts of every runner named in either hash', () => {
    const ejected = { ...freshRunnerHealth(), ejections: 2, ejectedAt: 100, ejectedUntil: 160, ejectionCause: 'consecutive-failures' as const };
    const down = { ...freshRunnerHealth(), probeFailuresInRow: 2, probeDown: true };

    const sut = healthFromHashes(
      { 'r-1:cf': '3', 'r-1:ej': JSON.stringify(ejectionRecord(ejected)), 'r-2:probe': JSON.stringify(probeRecord(down)), 'r-4:cf': '0' },
      { 'r-1:s': '7', 'r-1:f': '4', 'r-3:s': '1' },
      50,
    );

    expect(sut.intervalStartedAt).toBe(50);
    expect(sut.runners['r-1']).toEqual({ ...ejected, consecutiveFailures: 3, intervalSuccesses: 7, intervalFailures: 4 });
    expect(sut.runners['r-2']).toEqual(down);
    expect(sut.runners['r-3']).toEqual({ ...freshRunnerHealth(), intervalSuccesses: 1 });
    expect(sut.runners['r-4']).toEqual(freshRunnerHealth());
  });

  it('tracks a runner whose fields do not parse, with fresh values, instead of failing the decision', () => {
    const sut = healthFromHashes({ 'r-1:ej': '{not json', 'r-1:cf': 'many', nonsense: '1' }, { 'r-1:s': 'x' }, 0);

    expect(sut.runners).toEqual({ 'r-1': freshRunnerHealth() });
  });
});

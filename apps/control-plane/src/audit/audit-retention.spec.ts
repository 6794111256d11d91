import { retentionCutoff } from './audit-retention.js';

describe('retentionCutoff', () => {
  it('is the given number of days before now', () => {
    expect(retentionCutoff(90, Date.parse('2026-11-23T12:00:00Z'))).toEqual(new Date('2026-08-25T12:00:00Z'));
  });

  it('is undefined for 0 days: rows are kept forever', () => {
    expect(retentionCutoff(0, Date.now())).toBeUndefined();
  });
});

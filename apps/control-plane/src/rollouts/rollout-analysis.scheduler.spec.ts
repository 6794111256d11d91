import { queuePrefixFor } from './rollout-analysis.scheduler.js';

describe('the analysis queue namespace', () => {
  it('is named after the database, so installations sharing a Redis keep their schedules apart', () => {
    expect(queuePrefixFor('postgres://sy:secret@db.internal:5432/switchyard?sslmode=require')).toBe('switchyard:switchyard');
    expect(queuePrefixFor('postgresql://127.0.0.1:5433/test_8f3a')).toBe('switchyard:test_8f3a');
    expect(queuePrefixFor('postgres://127.0.0.1/')).toBe('switchyard:postgres');
  });

  it('never carries the credentials', () => {
    expect(queuePrefixFor('postgres://user:p%40ss@host/db')).not.toMatch(/user|p@ss|p%40ss/);
  });
});

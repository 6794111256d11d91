import { sampleGate } from './sample.js';

describe('sampleGate', () => {
  const base = { counting: 'challenger calls', need: 100, minDurationMs: 300_000 };

  it('passes only with enough calls and enough time', () => {
    expect(sampleGate({ ...base, have: 100, elapsedMs: 300_000 }).verdict).toBe('pass');
    expect(sampleGate({ ...base, have: 99, elapsedMs: 10_000_000 }).verdict).toBe('wait');
    expect(sampleGate({ ...base, have: 10_000, elapsedMs: 299_999 }).verdict).toBe('wait');
  });

  it('says how far along it is', () => {
    expect(sampleGate({ ...base, have: 40, elapsedMs: 60_000 }).reason).toBe('40 of 100 challenger calls, 60 of 300 s');
  });
});

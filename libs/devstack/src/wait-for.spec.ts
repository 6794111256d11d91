import { waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let calls = 0;
    await expect(waitFor(() => (++calls >= 3 ? `done after ${calls}` : undefined), 'three calls', { intervalMs: 1 })).resolves.toBe('done after 3');
  });

  it('names what it waited for and the last value when the deadline passes', async () => {
    await expect(waitFor(() => 0, 'a miracle', { timeoutMs: 30, intervalMs: 5 })).rejects.toThrow('timed out after 30 ms waiting for a miracle (last: 0)');
  });
});

import { heartbeatSchema } from '@switchyard/protocol';
import { buildHeartbeat, GpuInventory } from './heartbeat.js';

describe('buildHeartbeat', () => {
  it('builds a heartbeat the control plane accepts, leaving out what nvidia-smi could not tell', () => {
    const sut = buildHeartbeat({
      seq: 7,
      now: new Date('2030-01-01T00:00:00Z'),
      softwareVersion: '0.1.0',
      capacity: 4,
      inFlight: 3,
      servers: [
        { deploymentId: 'd1', versionId: 'v1', serverName: 'a', transport: 'STDIO', state: 'BACKOFF', restarts: 1, reason: 'exited', pid: null, since: 0 },
      ],
      gpus: [{ index: 0, uuid: 'GPU-1', name: 'NVIDIA A100', memoryTotalMiB: null, memoryUsedMiB: null, utilizationPercent: null }],
      draining: true,
    });

    expect(heartbeatSchema.parse(sut)).toEqual(sut);
    expect(sut).toEqual({
      v: 1,
      seq: 7,
      sentAt: '2030-01-01T00:00:00.000Z',
      softwareVersion: '0.1.0',
      capacity: 4,
      inFlight: 3,
      servers: [{ deploymentId: 'd1', versionId: 'v1', state: 'BACKOFF', restarts: 1 }],
      gpus: [{ index: 0, uuid: 'GPU-1', name: 'NVIDIA A100', memoryTotalMiB: 0 }],
      draining: true,
    });
  });
});

describe('GpuInventory', () => {
  it('waits for the first detection only; later reads return the last result while a refresh runs', async () => {
    let release: (() => void) | undefined;
    let calls = 0;
    const sut = new GpuInventory(async () => {
      calls += 1;
      if (calls === 1) return [];
      await new Promise<void>((resolve) => (release = resolve));
      return [];
    });

    await expect(sut.current()).resolves.toEqual([]);
    // Both resolve although the second detection never ends: had current() waited for it, the test would hang.
    await sut.current(); // starts the second, hanging detection and does not wait for it
    await sut.current(); // reuses it rather than starting a third
    expect(calls).toBe(2);
    release?.();
  });
});

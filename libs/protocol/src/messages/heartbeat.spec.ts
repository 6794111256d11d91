import fc from 'fast-check';
import { decode, encode } from '../codec.js';
import { heartbeatSchema, type Heartbeat } from './heartbeat.js';

const id = fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/);
const count = fc.nat({ max: 1_000_000 });

const heartbeat: fc.Arbitrary<Heartbeat> = fc.record({
  v: fc.constant(1),
  seq: count,
  sentAt: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  softwareVersion: fc.stringMatching(/^[0-9a-z.+-]{1,64}$/),
  capacity: count,
  inFlight: count,
  servers: fc.array(
    fc.record(
      { deploymentId: id, versionId: id, state: fc.constantFrom('STARTING', 'RUNNING', 'BACKOFF', 'STOPPED', 'FAILED'), restarts: count, pid: fc.integer({ min: 1, max: 4_194_304 }) },
      { requiredKeys: ['deploymentId', 'versionId', 'state', 'restarts'] },
    ),
    { maxLength: 5 },
  ),
  gpus: fc.array(
    fc.record(
      {
        index: fc.nat({ max: 15 }),
        uuid: fc.uuid().map((u) => `GPU-${u}`),
        name: fc.constantFrom('NVIDIA A100-SXM4-80GB', 'NVIDIA L4'),
        memoryTotalMiB: count,
        memoryUsedMiB: count,
        utilizationPercent: fc.integer({ min: 0, max: 100 }),
      },
      { requiredKeys: ['index', 'uuid', 'name', 'memoryTotalMiB'] },
    ),
    { maxLength: 8 },
  ),
  draining: fc.boolean(),
});

describe('heartbeat', () => {
  it('survives encode and decode unchanged, GPUs or not', () => {
    fc.assert(
      fc.property(heartbeat, (sent) => {
        expect(decode(heartbeatSchema, encode(heartbeatSchema, sent))).toEqual(sent);
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['an unknown server state', { servers: [{ deploymentId: 'd', versionId: 'v', state: 'CRASHED', restarts: 0 }] }, 'servers.0.state'],
    ['a utilisation above 100 %', { gpus: [{ index: 0, uuid: 'GPU-1', name: 'L4', memoryTotalMiB: 1, utilizationPercent: 101 }] }, 'gpus.0.utilizationPercent'],
    ['a fractional in-flight count', { inFlight: 1.5 }, 'inFlight'],
    ['a sentAt that is not an instant', { sentAt: 'yesterday' }, 'sentAt'],
  ])('refuses %s', (_, change, path) => {
    const base = fc.sample(heartbeat, { numRuns: 1, seed: 1 })[0] as Heartbeat;
    const result = heartbeatSchema.safeParse({ ...base, ...change });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([path]);
  });

  it('carries no runner id: the subject names the sender', () => {
    expect(Object.keys(heartbeatSchema.shape)).not.toContain('runnerId');
  });
});

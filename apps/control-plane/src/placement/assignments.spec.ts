import { controlMessageSchema, encode, RUNNER_PROTOCOL_VERSION } from '@switchyard/protocol';
import { assignmentDigest, demandOf, desiredByRunner, secretRefsOf, wirePlacementOf, type DeploymentSpec } from './assignments.js';

const deployment = (id: string, version: Partial<DeploymentSpec['version']> = {}): DeploymentSpec => ({
  id,
  nodepoolId: 'p1',
  replicas: 2,
  gpuCount: 1,
  gpuModel: 'A100',
  gpuMinMemoryMiB: null,
  version: {
    id: `v-${id}`,
    serverName: 'everything',
    transport: 'STDIO',
    command: 'node',
    args: ['dist/index.js', 'stdio'],
    env: { LOG_LEVEL: 'info' },
    secretEnv: { API_TOKEN: 'everything-token' },
    url: null,
    artifactIntegrity: 'sha512-AAAA',
    stateless: false,
    ...version,
  },
});

describe('assignments', () => {
  it('puts the launch spec with secret variable NAMES (not secret names or values) on the wire', () => {
    const wire = wirePlacementOf(deployment('d1'));
    expect(wire).toEqual({
      deploymentId: 'd1',
      versionId: 'v-d1',
      serverName: 'everything',
      launch: { transport: 'STDIO', command: 'node', args: ['dist/index.js', 'stdio'], env: { LOG_LEVEL: 'info' }, secretEnv: ['API_TOKEN'] },
      artifactIntegrity: 'sha512-AAAA',
      stateless: false,
    });
    expect(JSON.stringify(wire)).not.toContain('everything-token');
    // What the protocol accepts: encode validates.
    expect(() => encode(controlMessageSchema, { v: RUNNER_PROTOCOL_VERSION, type: 'assignment', seq: 1, placements: [wire] })).not.toThrow();
  });

  it('sends only the URL of a Streamable HTTP version, and no integrity when none is pinned', () => {
    const wire = wirePlacementOf(deployment('d2', { transport: 'STREAMABLE_HTTP', command: null, args: [], env: {}, secretEnv: {}, url: 'http://127.0.0.1:8080/mcp', artifactIntegrity: null }));
    expect(wire).toEqual({ deploymentId: 'd2', versionId: 'v-d2', serverName: 'everything', launch: { transport: 'STREAMABLE_HTTP', url: 'http://127.0.0.1:8080/mcp' }, stateless: false });
  });

  it('maps each secret variable to the Secret that fills it', () => {
    expect(secretRefsOf(deployment('d1'))).toEqual({ API_TOKEN: 'everything-token' });
    expect(secretRefsOf(deployment('d1', { secretEnv: {} }))).toEqual({});
  });

  it('turns a deployment into planner demand', () => {
    expect(demandOf(deployment('d1'))).toEqual({ id: 'd1', nodepoolId: 'p1', replicas: 2, gpu: { count: 1, model: 'A100', minMemoryMiB: null } });
  });

  it('groups placements per runner, sorted by deployment', () => {
    const specs = new Map([deployment('d2'), deployment('d1')].map((d) => [d.id, d]));
    const desired = desiredByRunner(
      [
        { deploymentId: 'd2', runnerId: 'r1', gpuIndexes: [] },
        { deploymentId: 'd1', runnerId: 'r1', gpuIndexes: [] },
        { deploymentId: 'd1', runnerId: 'r2', gpuIndexes: [] },
      ],
      specs,
    );
    expect([...desired].map(([runnerId, list]) => [runnerId, list.map((d) => d.id)])).toEqual([
      ['r1', ['d1', 'd2']],
      ['r2', ['d1']],
    ]);
  });

  it('digests equal sets equally and notices any change of content', () => {
    const a = [wirePlacementOf(deployment('d1'))];
    expect(assignmentDigest(a)).toBe(assignmentDigest([wirePlacementOf(deployment('d1'))]));
    expect(assignmentDigest(a)).not.toBe(assignmentDigest([wirePlacementOf(deployment('d1', { artifactIntegrity: 'sha512-BBBB' }))]));
    expect(assignmentDigest([])).not.toBe(assignmentDigest(a));
  });
});

import { RUNNER_PROTOCOL_VERSION, type AssignmentMessage, type ControlMessage, type Placement as WirePlacement } from '@switchyard/protocol';
import { FakeClock } from '../../test/fake-clock.js';
import { capturingLogger } from '../../test/supervisor-fixtures.js';
import type { Placement } from '../supervisor/placement.js';
import { createAssignmentHandler, type AssignmentHandler } from './assignment-handler.js';

const TIMEOUT_MS = 10_000;
const SECRET = 'hunter2-do-not-log';

/** Records every desired set it is given, as `deployment/version` keys plus the secret values. */
class FakeSupervisor {
  readonly calls: Placement[][] = [];
  failNext: Error | undefined;

  apply(desired: readonly Placement[]): Promise<void> {
    this.calls.push([...desired]);
    const failure = this.failNext;
    this.failNext = undefined;
    return failure ? Promise.reject(failure) : Promise.resolve();
  }

  /** The keys of each call, e.g. [['d1/v1'], ['d1/v1', 'd2/v2']]. */
  keys(): string[][] {
    return this.calls.map((call) => call.map((p) => `${p.deploymentId}/${p.versionId}`).sort());
  }

  last(): Placement[] {
    return this.calls.at(-1) ?? [];
  }
}

const stdio = (deploymentId: string, versionId: string, secretEnv: string[] = []): WirePlacement => ({
  deploymentId,
  versionId,
  serverName: 'everything',
  launch: { transport: 'STDIO', command: 'node', args: ['server.js'], env: { MODE: 'test' }, secretEnv },
  stateless: false,
});

const assignment = (seq: number, placements: WirePlacement[]): AssignmentMessage => ({ v: RUNNER_PROTOCOL_VERSION, type: 'assignment', seq, placements });
const secrets = (versionId: string, values: Record<string, string>): ControlMessage => ({ v: RUNNER_PROTOCOL_VERSION, type: 'secrets', versionId, values });

describe('AssignmentHandler', () => {
  let clock: FakeClock;
  let supervisor: FakeSupervisor;
  let log: ReturnType<typeof capturingLogger>;
  let sut: AssignmentHandler;

  beforeEach(() => {
    clock = new FakeClock();
    supervisor = new FakeSupervisor();
    log = capturingLogger();
    sut = createAssignmentHandler({ supervisor, logger: log.logger, clock, secretsTimeoutMs: TIMEOUT_MS });
  });

  it('hands an assignment without secrets to the supervisor at once, converted to its placement type', async () => {
    await sut.handleControl(
      assignment(1, [
        { ...stdio('d1', 'v1'), artifactIntegrity: 'sha256-AAAA' },
        { deploymentId: 'd2', versionId: 'v2', serverName: 'web', launch: { transport: 'STREAMABLE_HTTP', url: 'http://127.0.0.1:9000/mcp' }, stateless: true },
      ]),
    );
    expect(supervisor.calls).toEqual([
      [
        {
          deploymentId: 'd1',
          versionId: 'v1',
          serverName: 'everything',
          launch: { transport: 'STDIO', command: 'node', args: ['server.js'], env: { MODE: 'test' }, secretEnv: [], url: null, artifactIntegrity: 'sha256-AAAA', stateless: false },
          secretValues: {},
        },
        {
          deploymentId: 'd2',
          versionId: 'v2',
          serverName: 'web',
          launch: { transport: 'STREAMABLE_HTTP', command: null, args: [], env: {}, secretEnv: [], url: 'http://127.0.0.1:9000/mcp', artifactIntegrity: null, stateless: true },
          secretValues: {},
        },
      ],
    ]);
  });

  it('applies an empty assignment (a runner with nothing placed stops what it runs)', async () => {
    await sut.handleControl(assignment(1, []));
    expect(supervisor.calls).toEqual([[]]);
  });

  it('keeps the newest assignment by seq: an older or repeated one is ignored', async () => {
    await sut.handleControl(assignment(5, [stdio('d1', 'v1')]));
    await sut.handleControl(assignment(4, [stdio('d9', 'v9')]));
    await sut.handleControl(assignment(5, [stdio('d8', 'v8')]));
    await sut.handleControl(assignment(6, [stdio('d1', 'v1'), stdio('d2', 'v2')]));
    expect(supervisor.keys()).toEqual([['d1/v1'], ['d1/v1', 'd2/v2']]);
    expect(log.lines().filter((line) => line.msg === 'ignoring an assignment that is not newer than the one held')).toHaveLength(2);
  });

  it('does not call the supervisor again when a newer assignment changes nothing', async () => {
    await sut.handleControl(assignment(1, [stdio('d1', 'v1')]));
    await sut.handleControl(assignment(2, [stdio('d1', 'v1')]));
    expect(supervisor.calls).toHaveLength(1);
  });

  it('waits for the secrets of a version before starting it, and starts the rest meanwhile', async () => {
    await sut.handleControl(assignment(1, [stdio('d1', 'v1', ['API_TOKEN']), stdio('d2', 'v2')]));
    expect(supervisor.keys()).toEqual([['d2/v2']]);

    await sut.handleControl(secrets('v1', { API_TOKEN: SECRET, UNDECLARED: 'x' }));
    expect(supervisor.keys()).toEqual([['d2/v2'], ['d1/v1', 'd2/v2']]);
    const started = supervisor.last().find((p) => p.deploymentId === 'd1');
    // Only declared variables are handed over.
    expect(started?.secretValues).toEqual({ API_TOKEN: SECRET });
    expect(clock.pending()).toEqual([]);
  });

  it('uses secrets that arrived before the assignment that needs them', async () => {
    await sut.handleControl(secrets('v1', { API_TOKEN: SECRET }));
    expect(supervisor.calls).toEqual([]);
    await sut.handleControl(assignment(1, [stdio('d1', 'v1', ['API_TOKEN'])]));
    expect(supervisor.last()[0]?.secretValues).toEqual({ API_TOKEN: SECRET });
  });

  it('keeps the running version of a deployment while its new version waits for secrets', async () => {
    await sut.handleControl(assignment(1, [stdio('d1', 'v1')]));
    await sut.handleControl(assignment(2, [stdio('d1', 'v2', ['API_TOKEN'])]));
    expect(supervisor.keys()).toEqual([['d1/v1']]);
    await sut.handleControl(secrets('v2', { API_TOKEN: SECRET }));
    expect(supervisor.keys()).toEqual([['d1/v1'], ['d1/v2']]);
  });

  it('hands the placement over without secrets after the timeout (FAILED by the supervisor) and says why', async () => {
    await sut.handleControl(assignment(1, [stdio('d1', 'v1', ['API_TOKEN', 'OTHER'])]));
    expect(supervisor.calls).toEqual([[]]);

    clock.advance(TIMEOUT_MS - 1);
    expect(supervisor.calls).toHaveLength(1);
    clock.advance(1);
    expect(supervisor.keys()).toEqual([[], ['d1/v1']]);
    expect(supervisor.last()[0]?.secretValues).toEqual({});
    const warning = log.lines().find((line) => line.level === 40);
    expect(warning).toMatchObject({ versionId: 'v1', missing: ['API_TOKEN', 'OTHER'], timeoutMs: TIMEOUT_MS });
    expect(String(warning?.msg)).toContain('secret value not delivered');
  });

  it('restarts a placement refused for missing secrets when they arrive late', async () => {
    await sut.handleControl(assignment(1, [stdio('d1', 'v1', ['API_TOKEN']), stdio('d2', 'v2')]));
    clock.advance(TIMEOUT_MS);
    await sut.handleControl(secrets('v1', { API_TOKEN: SECRET }));
    // Removed, then added again: the supervisor never retries an unchanged FAILED placement.
    expect(supervisor.keys()).toEqual([['d2/v2'], ['d1/v1', 'd2/v2'], ['d2/v2'], ['d1/v1', 'd2/v2']]);
    expect(supervisor.last().find((p) => p.deploymentId === 'd1')?.secretValues).toEqual({ API_TOKEN: SECRET });
  });

  it('cancels the wait when a newer assignment no longer needs the version', async () => {
    await sut.handleControl(assignment(1, [stdio('d1', 'v1', ['API_TOKEN'])]));
    expect(clock.pending()).toEqual([TIMEOUT_MS]);
    await sut.handleControl(assignment(2, [stdio('d2', 'v2')]));
    expect(clock.pending()).toEqual([]);
    clock.advance(TIMEOUT_MS);
    expect(supervisor.keys()).toEqual([[], ['d2/v2']]);
  });

  it('forgets the secrets of versions no longer assigned', async () => {
    await sut.handleControl(assignment(1, [stdio('d1', 'v1', ['API_TOKEN'])]));
    await sut.handleControl(secrets('v1', { API_TOKEN: SECRET }));
    await sut.handleControl(assignment(2, []));
    await sut.handleControl(assignment(3, []));
    // v1 comes back: its old values are gone, so it waits again.
    await sut.handleControl(assignment(4, [stdio('d1', 'v1', ['API_TOKEN'])]));
    expect(supervisor.keys()).toEqual([[], ['d1/v1'], []]);
    expect(clock.pending()).toEqual([TIMEOUT_MS]);
  });

  it('never writes a secret value to the log', async () => {
    await sut.handleControl(assignment(1, [stdio('d1', 'v1', ['API_TOKEN'])]));
    await sut.handleControl(secrets('v1', { API_TOKEN: SECRET }));
    expect(log.text()).toContain('API_TOKEN');
    expect(log.text()).not.toContain(SECRET);
  });

  it('ignores the control messages it does not handle', async () => {
    await sut.handleControl({ v: RUNNER_PROTOCOL_VERSION, type: 'drain', graceMs: 1_000 });
    await sut.handleControl({ v: RUNNER_PROTOCOL_VERSION, type: 'cancel', callId: 'c1', sessionId: 's1', reason: 'client cancelled' });
    expect(supervisor.calls).toEqual([]);
  });

  it('logs a failed apply and still resolves', async () => {
    supervisor.failNext = new Error('deployment d1 is placed twice');
    await expect(sut.handleControl(assignment(1, [stdio('d1', 'v1')]))).resolves.toBeUndefined();
    expect(log.lines().find((line) => line.level === 50)).toMatchObject({ err: 'deployment d1 is placed twice' });
  });
});

import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { DomainError } from '@switchyard/protocol';
import { FakeClock } from '../../test/fake-clock.js';
import { initialize, request } from '../../test/mcp-requests.js';
import { capturingLogger, ENV_SERVER, isAlive, sri512, stdioPlacement } from '../../test/supervisor-fixtures.js';
import { waitFor } from '../../test/wait-for.js';
import type { Placement } from './placement.js';
import { ServerSupervisor } from './server-supervisor.js';
import type { ServerStatus } from './server-status.js';

// These tests spawn processes: on a loaded CI machine a cold Node start alone can take seconds.
jest.setTimeout(30_000);

// Real child processes (test/fixtures/env-server.mjs), injected time: backoff and the SIGKILL
// grace fire when the test advances the clock, so nothing here waits for real seconds.

describe('ServerSupervisor (stdio)', () => {
  let clock: FakeClock;
  let log: ReturnType<typeof capturingLogger>;
  let sut: ServerSupervisor;
  let changes: ServerStatus[];
  let tmp: string;

  beforeEach(() => {
    clock = new FakeClock();
    log = capturingLogger();
    sut = new ServerSupervisor({ logger: log.logger, clock, rng: () => 0.5, stopGraceMs: 5_000 });
    changes = [];
    sut.onChange((status) => changes.push(status));
    tmp = mkdtempSync(join(tmpdir(), 'sy-supervisor-'));
  });

  afterEach(async () => {
    let stopped = false;
    void sut.stopAll().then(() => (stopped = true));
    // Keep moving time so that a server ignoring SIGTERM gets its SIGKILL.
    await waitFor(() => {
      clock.advance(60_000);
      return stopped;
    }, 'every server to stop');
    rmSync(tmp, { recursive: true, force: true });
  });

  const only = () => {
    const [status, ...others] = sut.status();
    expect(others).toEqual([]);
    return status;
  };

  it('gives the server only PATH and the variables its launch spec declares', async () => {
    process.env.SWITCHYARD_RUNNER_TEST_LEAK = 'the runner environment must not reach servers';
    try {
      const placement = stdioPlacement({
        launch: { env: { LOG_LEVEL: 'debug' }, secretEnv: ['API_TOKEN'] },
        secretValues: { API_TOKEN: 'tok-5f2a9c', NOT_DECLARED: 'ignored' },
      });
      await sut.apply([placement]);
      const connection = await sut.connectionFor(placement.deploymentId);
      await initialize(connection);

      const result = await request(connection, 2, 'tools/call', { name: 'env', arguments: {} });
      const content = (result.result?.content as Array<{ text: string }>)[0];
      const env = JSON.parse(content.text) as Record<string, string>;

      expect(Object.keys(env).sort()).toEqual(['API_TOKEN', 'LOG_LEVEL', 'PATH']);
      expect(env).toEqual({ PATH: process.env.PATH, LOG_LEVEL: 'debug', API_TOKEN: 'tok-5f2a9c' });
    } finally {
      delete process.env.SWITCHYARD_RUNNER_TEST_LEAK;
    }
  });

  it("logs the server's stderr under its name, with its secret values redacted", async () => {
    const placement = stdioPlacement({ serverName: 'github', launch: { secretEnv: ['GITHUB_TOKEN'] }, secretValues: { GITHUB_TOKEN: 'ghp_s3cr3tvalue' } });
    await sut.apply([placement]);

    const line = await waitFor(
      () => log.lines().find((entry) => String(entry.msg).startsWith('env-server ready')),
      'the stderr line of the server in the log',
    );

    expect(line).toMatchObject({ server: 'github', deploymentId: placement.deploymentId, stream: 'stderr' });
    expect(line.msg).toContain('"GITHUB_TOKEN":"[redacted]"');
    expect(log.text()).not.toContain('ghp_s3cr3tvalue');
  });

  it('restarts a crashed server after a jittered backoff and counts the restart', async () => {
    const placement = stdioPlacement();
    await sut.apply([placement]);
    const firstPid = only().pid as number;

    process.kill(firstPid, 'SIGKILL');
    const down = await waitFor(() => sut.status().find((s) => s.state === 'BACKOFF'), 'BACKOFF after the crash');

    expect(down).toMatchObject({ restarts: 1, reason: 'killed by SIGKILL', pid: null });
    expect(clock.pending()).toEqual([375]); // first failure: 250 ms + 0.5 × 250 ms

    clock.advance(375);
    const up = await waitFor(() => sut.status().find((s) => s.state === 'RUNNING'), 'RUNNING again');

    expect(up.restarts).toBe(1);
    expect(up.pid).not.toBe(firstPid);
    expect(changes.map((c) => c.state)).toEqual(['STARTING', 'RUNNING', 'BACKOFF', 'STARTING', 'RUNNING']);
  });

  it('ends the open connection when the server dies, and hands out a new one after the restart', async () => {
    const placement = stdioPlacement();
    await sut.apply([placement]);
    const first = await sut.connectionFor(placement.deploymentId);
    const ended: string[] = [];
    first.onClose((reason) => ended.push(reason));

    process.kill(only().pid as number, 'SIGKILL');
    await waitFor(() => ended.length > 0, 'the connection to end');
    expect(ended).toEqual(['server env-server is down']);
    await expect(sut.connectionFor(placement.deploymentId)).rejects.toThrow(/is BACKOFF/);

    clock.advance(1_000);
    await waitFor(() => only().state === 'RUNNING', 'RUNNING again');
    const second = await sut.connectionFor(placement.deploymentId);
    await expect(initialize(second)).resolves.toMatchObject({ result: { serverInfo: { name: 'env-server' } } });
  });

  it('gives one stdio connection at a time, and it can be handed back', async () => {
    const placement = stdioPlacement();
    await sut.apply([placement]);
    const first = await sut.connectionFor(placement.deploymentId);

    const refused = sut.connectionFor(placement.deploymentId);
    await expect(refused).rejects.toBeInstanceOf(DomainError);
    await expect(refused).rejects.toMatchObject({ code: 'CONFLICT' });

    await first.close();
    expect(only().state).toBe('RUNNING'); // handing the channel back does not stop the server
    await expect(sut.connectionFor(placement.deploymentId)).resolves.toMatchObject({ closed: false });
    await expect(sut.connectionFor('dep-unknown')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('hands a stateless stdio server to many holders at once, and ends all their shares when it dies', async () => {
    const placement = stdioPlacement({ launch: { stateless: true } });
    await sut.apply([placement]);
    const first = await sut.connectionFor(placement.deploymentId);
    const second = await sut.connectionFor(placement.deploymentId);
    const ended: string[] = [];
    second.onClose((reason) => ended.push(reason));

    await first.close();
    const stillOpen = !second.closed;
    await expect(initialize(second)).resolves.toMatchObject({ result: { serverInfo: { name: 'env-server' } } });
    process.kill(only().pid as number, 'SIGKILL');
    await waitFor(() => ended.length > 0, 'the share to end');

    expect(second.shared).toBe(first.shared);
    expect(stillOpen).toBe(true);
    expect(ended).toEqual(['server env-server is down']);
  });

  it('reconciles: leaves unchanged servers alone, stops removed ones, replaces a changed version', async () => {
    const kept = stdioPlacement();
    const removed = stdioPlacement();
    const upgraded = stdioPlacement({ versionId: 'ver-1' });
    await sut.apply([kept, removed, upgraded]);
    const pidOf = (p: Placement) => sut.status().find((s) => s.deploymentId === p.deploymentId && s.versionId === p.versionId)?.pid;
    const keptPid = pidOf(kept) as number;
    const removedPid = pidOf(removed) as number;
    const oldVersionPid = pidOf(upgraded) as number;

    await sut.apply([kept, { ...upgraded, versionId: 'ver-2' }]);

    expect(pidOf(kept)).toBe(keptPid);
    expect(sut.status().map((s) => `${s.deploymentId}/${s.versionId}:${s.state}`).sort()).toEqual([
      `${kept.deploymentId}/ver-1:RUNNING`,
      `${upgraded.deploymentId}/ver-2:RUNNING`,
    ]);
    expect(isAlive(removedPid)).toBe(false);
    expect(isAlive(oldVersionPid)).toBe(false);
    expect(changes.filter((c) => c.deploymentId === removed.deploymentId).at(-1)?.state).toBe('STOPPED');
  });

  it('stops with SIGTERM and, when the server ignores it, SIGKILL after the grace period', async () => {
    const placement = stdioPlacement({ launch: { env: { IGNORE_SIGTERM: '1' } } });
    await sut.apply([placement]);
    const pid = only().pid as number;
    // Spawned is not yet listening: Node needs a moment before the script installs its handler.
    await waitFor(() => log.text().includes('env-server ready'), 'the server to be up');

    const stopping = sut.apply([]);
    await waitFor(() => log.text().includes('ignoring SIGTERM'), 'the server to receive SIGTERM');
    expect(isAlive(pid)).toBe(true);

    clock.advance(4_999);
    expect(isAlive(pid)).toBe(true);
    clock.advance(1);
    await stopping;

    expect(isAlive(pid)).toBe(false);
    expect(sut.status()).toEqual([]);
    expect(log.lines().some((entry) => entry.msg === 'server ignored SIGTERM; sending SIGKILL')).toBe(true);
  });

  it('refuses a tampered artifact: FAILED with both hashes, nothing spawned, no retry', async () => {
    const script = join(tmp, 'server.mjs');
    copyFileSync(ENV_SERVER, script);
    const pinned = sri512(script);
    writeFileSync(script, `${readFileSync(script, 'utf8')}\n// one line added after the version was pinned\n`);
    const placement = stdioPlacement({ launch: { args: [script], artifactIntegrity: pinned } });

    await sut.apply([placement]);

    expect(only()).toMatchObject({
      state: 'FAILED',
      pid: null,
      restarts: 0,
      reason: `artifact integrity mismatch: expected ${pinned}, got ${sri512(script)}`,
    });
    expect(clock.pending()).toEqual([]);
    expect(log.text()).not.toContain('env-server ready');

    await sut.apply([placement]); // the same assignment again: still refused, not retried
    expect(changes.map((c) => c.state)).toEqual(['STARTING', 'FAILED']);
  });

  it('starts the artifact whose integrity matches the pin', async () => {
    const placement = stdioPlacement({ launch: { artifactIntegrity: sri512(ENV_SERVER) } });

    await sut.apply([placement]);

    expect(only().state).toBe('RUNNING');
  });

  it('refuses to start without a declared secret, or with a command that does not exist', async () => {
    const noSecret = stdioPlacement({ launch: { secretEnv: ['API_TOKEN'] } });
    const noCommand = stdioPlacement({ launch: { command: 'switchyard-no-such-server', args: [] } });

    await sut.apply([noSecret, noCommand]);

    const byId = new Map(sut.status().map((s) => [s.deploymentId, s]));
    expect(byId.get(noSecret.deploymentId)).toMatchObject({ state: 'FAILED', reason: 'secret value not delivered for API_TOKEN' });
    expect(byId.get(noCommand.deploymentId)).toMatchObject({ state: 'FAILED', reason: expect.stringMatching(/^command not found: switchyard-no-such-server/) });
    expect(clock.pending()).toEqual([]);
  });

  it('backs off, rather than failing for good, when the executable cannot be executed', async () => {
    const notAProgram = join(tmp, 'not-a-program');
    writeFileSync(notAProgram, 'no shebang, no ELF header', { mode: 0o755 });
    const placement = stdioPlacement({ launch: { command: notAProgram, args: [] } });

    await sut.apply([placement]);
    // Node reports the fork as spawned; the failed exec then shows as exit code 127.
    const down = await waitFor(() => sut.status().find((s) => s.state === 'BACKOFF'), 'BACKOFF after the failed exec');

    expect(down).toMatchObject({ restarts: 1, reason: 'exited with code 127' });
    expect(clock.pending()).toEqual([375]);
  });

  it('backs off when the process cannot be spawned at all', async () => {
    const inMissingDir = new ServerSupervisor({ logger: log.logger, clock, rng: () => 0.5, workingDirectory: join(tmp, 'gone') });
    const placement = stdioPlacement();

    await inMissingDir.apply([placement]);

    expect(inMissingDir.status()[0]).toMatchObject({ state: 'BACKOFF', restarts: 1, reason: expect.stringMatching(/^could not be started: spawn .*ENOENT/) });
    await inMissingDir.stopAll();
    expect(clock.pending()).toEqual([]);
  });

  it('rejects an assignment that places one deployment twice', async () => {
    const placement = stdioPlacement();

    await expect(sut.apply([placement, { ...placement, versionId: 'ver-2' }])).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
    expect(sut.status()).toEqual([]);
  });
});

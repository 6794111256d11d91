import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { jest } from '@jest/globals';
import { ServerSupervisor } from '../src/supervisor/server-supervisor.js';
import type { Placement } from '../src/supervisor/placement.js';
import { initialize, request } from './mcp-requests.js';
import { capturingLogger, isAlive, sri512, stdioPlacement } from './supervisor-fixtures.js';
import { waitFor } from './wait-for.js';

// These tests spawn processes: on a loaded CI machine a cold Node start alone can take seconds.
jest.setTimeout(30_000);

// The supervisor against the real @modelcontextprotocol/server-everything, on the real clock
// (with a short backoff so the restart happens within the test).

const require = createRequire(import.meta.url);
const EVERYTHING_ENTRY = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');

const everythingOverStdio = (overrides: Partial<Placement['launch']> = {}): Placement =>
  stdioPlacement({
    serverName: 'everything',
    launch: { command: 'node', args: [EVERYTHING_ENTRY, 'stdio'], artifactIntegrity: sri512(EVERYTHING_ENTRY), ...overrides },
  });

const toolNames = (response: { result?: Record<string, unknown> }) => ((response.result?.tools ?? []) as Array<{ name: string }>).map((t) => t.name);

describe('ServerSupervisor with @modelcontextprotocol/server-everything', () => {
  let log: ReturnType<typeof capturingLogger>;
  let sut: ServerSupervisor;

  beforeEach(() => {
    log = capturingLogger();
    sut = new ServerSupervisor({ logger: log.logger, backoff: { initialMs: 100, maxMs: 1_000 }, stopGraceMs: 2_000 });
  });
  afterEach(() => sut.stopAll());

  it('serves initialize and tools/list over the raw upstream connection (stdio)', async () => {
    const placement = everythingOverStdio();
    await sut.apply([placement]);
    expect(sut.status()[0]).toMatchObject({ serverName: 'everything', state: 'RUNNING', restarts: 0 });

    const connection = await sut.connectionFor(placement.deploymentId);
    const init = await initialize(connection);
    const tools = await request(connection, 2, 'tools/list');
    const echo = await request(connection, 3, 'tools/call', { name: 'echo', arguments: { message: 'through the runner' } });

    expect(init.result).toMatchObject({ serverInfo: { name: expect.any(String) }, capabilities: { tools: expect.any(Object) } });
    expect(toolNames(tools)).toEqual(expect.arrayContaining(['echo', 'get-sum']));
    expect(JSON.stringify(echo.result)).toContain('through the runner');
  });

  it('launches the npm bin link by name with the pin of the entry file it points to', async () => {
    const binDir = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), '..', '..', '.bin');
    const viaBin = new ServerSupervisor({ logger: log.logger, runnerPath: [binDir, process.env.PATH].join(delimiter) });
    const placement = everythingOverStdio({ command: 'mcp-server-everything', args: ['stdio'] });
    try {
      await viaBin.apply([placement]);
      const connection = await viaBin.connectionFor(placement.deploymentId);

      await expect(initialize(connection)).resolves.toHaveProperty('result.serverInfo');
    } finally {
      await viaBin.stopAll();
    }
  });

  it('restarts the server after SIGKILL: BACKOFF, then RUNNING with restarts=1', async () => {
    const placement = everythingOverStdio();
    await sut.apply([placement]);
    const states: string[] = [];
    sut.onChange((status) => states.push(status.state));
    const firstPid = sut.status()[0].pid as number;

    process.kill(firstPid, 'SIGKILL');
    const up = await waitFor(() => sut.status().find((s) => s.state === 'RUNNING' && s.pid !== firstPid), 'a new RUNNING process');

    expect(states).toEqual(['BACKOFF', 'STARTING', 'RUNNING']);
    expect(up.restarts).toBe(1);
    const connection = await sut.connectionFor(placement.deploymentId);
    await expect(initialize(connection)).resolves.toHaveProperty('result');
  });

  it('stops the server when it is no longer placed', async () => {
    const placement = everythingOverStdio();
    await sut.apply([placement]);
    const pid = sut.status()[0].pid as number;

    await sut.apply([]);

    expect(sut.status()).toEqual([]);
    expect(isAlive(pid)).toBe(false);
  });

  it('refuses a tampered copy of the server: FAILED, never started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-tampered-'));
    try {
      const copy = join(dir, 'index.js');
      copyFileSync(EVERYTHING_ENTRY, copy);
      writeFileSync(copy, `${readFileSync(copy, 'utf8')}\nprocess.stderr.write('installer-spoofed\\n');\n`);
      const placement = everythingOverStdio({ args: [copy, 'stdio'] });

      await sut.apply([placement]);

      expect(sut.status()[0]).toMatchObject({
        state: 'FAILED',
        pid: null,
        reason: `artifact integrity mismatch: expected ${sri512(EVERYTHING_ENTRY)}, got ${sri512(copy)}`,
      });
      await expect(sut.connectionFor(placement.deploymentId)).rejects.toThrow(/is FAILED/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('over Streamable HTTP', () => {
    let server: ChildProcess;
    let url: string;

    beforeAll(async () => {
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const { port: free } = probe.address() as { port: number };
          probe.close(() => resolve(free));
        });
      });
      url = `http://127.0.0.1:${port}/mcp`;
      server = spawn(process.execPath, [EVERYTHING_ENTRY, 'streamableHttp'], { env: { PATH: process.env.PATH, PORT: String(port) }, stdio: 'ignore' });
    });
    afterAll(() => {
      server.kill('SIGKILL');
    });

    it('health-checks a local server and relays initialize and tools/list to it', async () => {
      const placement = stdioPlacement({
        serverName: 'everything-http',
        launch: { transport: 'STREAMABLE_HTTP', command: null, args: [], url },
      });
      const checking = new ServerSupervisor({ logger: log.logger, backoff: { initialMs: 50, maxMs: 200 } });
      try {
        await checking.apply([placement]);
        await waitFor(() => checking.status()[0].state === 'RUNNING', 'the HTTP server to answer its health check');

        const connection = await checking.connectionFor(placement.deploymentId);
        await initialize(connection);
        const tools = await request(connection, 2, 'tools/list');
        await connection.close();

        expect(toolNames(tools)).toEqual(expect.arrayContaining(['echo']));
        expect(connection.closed).toBe(true);
      } finally {
        await checking.stopAll();
      }
    });

    it('shares one HTTP session among the holders of a stateless version, ending it with the last', async () => {
      const placement = stdioPlacement({
        serverName: 'everything-http',
        launch: { transport: 'STREAMABLE_HTTP', command: null, args: [], url, stateless: true },
      });
      const checking = new ServerSupervisor({ logger: log.logger, backoff: { initialMs: 50, maxMs: 200 } });
      try {
        await checking.apply([placement]);
        await waitFor(() => checking.status()[0].state === 'RUNNING', 'the HTTP server to answer its health check');

        const [first, second] = await Promise.all([checking.connectionFor(placement.deploymentId), checking.connectionFor(placement.deploymentId)]);
        await initialize(first);
        // The second holder speaks on the session the first one initialized (its mcp-session-id).
        const echo = await request(second, 2, 'tools/call', { name: 'echo', arguments: { message: 'on the shared session' } });
        await first.close();
        const afterFirstLeft = await request(second, 3, 'tools/list');
        await second.close();

        expect(first.shared).toBeDefined();
        expect(second.shared).toBe(first.shared);
        expect(echo.result).toEqual({ content: [{ type: 'text', text: 'Echo: on the shared session' }] });
        expect(toolNames(afterFirstLeft)).toEqual(expect.arrayContaining(['echo']));
        expect(second.shared?.closed).toBe(true);
      } finally {
        await checking.stopAll();
      }
    });
  });
});

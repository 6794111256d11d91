import { FakeClock } from '../../test/fake-clock.js';
import { capturingLogger, stdioPlacement } from '../../test/supervisor-fixtures.js';
import { waitFor } from '../../test/wait-for.js';
import type { Placement } from './placement.js';
import { ServerSupervisor } from './server-supervisor.js';

// The HTTP upstream logic with a scripted probe and injected time; the real probe against a real
// server is covered in test/supervisor.e2e-spec.ts.

const httpPlacement = (url: string): Placement =>
  stdioPlacement({ serverName: 'http-server', launch: { transport: 'STREAMABLE_HTTP', command: null, args: [], url } });

describe('ServerSupervisor (streamable HTTP)', () => {
  let clock: FakeClock;
  let answers: boolean[];
  let probed: string[];
  let sut: ServerSupervisor;

  beforeEach(() => {
    clock = new FakeClock();
    answers = [];
    probed = [];
    sut = new ServerSupervisor({
      logger: capturingLogger().logger,
      clock,
      rng: () => 0,
      http: {
        intervalMs: 10_000,
        probe: async (url) => {
          probed.push(url);
          return answers.shift() ?? true;
        },
      },
    });
  });
  afterEach(() => sut.stopAll());

  it('refuses a URL that is not on the loopback interface, without probing it', async () => {
    await sut.apply([httpPlacement('http://10.1.2.3:8080/mcp')]);

    expect(sut.status()[0]).toMatchObject({ state: 'FAILED', reason: expect.stringMatching(/only a loopback URL/) });
    expect(probed).toEqual([]);
    expect(clock.pending()).toEqual([]);
  });

  it('is RUNNING while the health check passes, BACKOFF when it fails, RUNNING again when it recovers', async () => {
    const placement = httpPlacement('http://127.0.0.1:9/mcp');
    await sut.apply([placement]);
    expect(sut.status()[0]).toMatchObject({ state: 'RUNNING', restarts: 0 });
    expect(clock.pending()).toEqual([10_000]);

    answers.push(false, false);
    clock.advance(10_000);
    await waitFor(() => sut.status()[0].state === 'BACKOFF', 'BACKOFF after a failed check');
    expect(sut.status()[0]).toMatchObject({ restarts: 1, reason: expect.stringMatching(/^health check failed/) });
    expect(clock.pending()).toEqual([250]);

    clock.advance(250);
    await waitFor(() => sut.status()[0].restarts === 2, 'a second failed check');
    expect(clock.pending()).toEqual([500]); // escalating while it stays down

    clock.advance(500);
    await waitFor(() => sut.status()[0].state === 'RUNNING', 'RUNNING after recovery');
    expect(probed).toHaveLength(4);
  });

  it('stops checking once the placement is removed', async () => {
    await sut.apply([httpPlacement('http://localhost:9/mcp')]);

    await sut.apply([]);

    expect(sut.status()).toEqual([]);
    expect(clock.pending()).toEqual([]);
  });

  it('gives no connection to a server that is not RUNNING', async () => {
    answers.push(false);
    const placement = httpPlacement('http://[::1]:9/mcp');
    await sut.apply([placement]);

    await expect(sut.connectionFor(placement.deploymentId)).rejects.toMatchObject({ code: 'UPSTREAM_FAILED' });
  });
});

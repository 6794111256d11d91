// The policy router in a real control plane: snapshots from Postgres rows, statistics shared by
// replicas through the run's Redis, probes through the relay to a real runner process.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { jest } from '@jest/globals';
import { createUser } from '@nats-io/jwt';
import type { NodepoolKind, RouterKind, RunnerStatus } from '@switchyard/db';
import { testEnv } from '@switchyard/devstack/testing';
import { credsText } from '@switchyard/nats-auth';
import { ErrorCode, isDomainError } from '@switchyard/protocol';
import { ejectedRunners, seededRng, type CallOutcome } from '@switchyard/router';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../src/config/config.js';
import { REDIS } from '../src/connections/connections.module.js';
import { LOGGER } from '../src/logging/logging.module.js';
import { RunnerCredentialsService } from '../src/nats-auth/runner-credentials.service.js';
import { RunnerRelay } from '../src/relay/runner-relay.js';
import { RunnerLivenessService } from '../src/runners/runner-liveness.service.js';
import { ActiveProber, type ProbeRoundReport } from '../src/routing/active-prober.js';
import type { ArmWeights, ArmWeightsSource } from '../src/routing/arm-weights-source.js';
import { OutstandingRequests } from '../src/routing/outstanding-requests.js';
import { RoutedUpstreamChooser } from '../src/routing/routed-upstream-chooser.js';
import { RoutingPolicies } from '../src/routing/routing-policies.js';
import { RoutingRepository } from '../src/routing/routing.repository.js';
import { RoutingSnapshotSource } from '../src/routing/routing-snapshot-source.js';
import { RoutingStats } from '../src/routing/routing-stats.js';
import { startControlPlane, type TestControlPlane } from './harness.js';
import { EVERYTHING_ENTRY, startRunnerProcess, type RunnerProcess } from './relay-runner-process.js';

jest.setTimeout(60_000);

const failure: CallOutcome = { kind: 'result', isError: true, latencyMs: 40 };
const success: CallOutcome = { kind: 'result', isError: false, latencyMs: 40 };

describe('routing in the control plane', () => {
  let cp: TestControlPlane;
  let redis: Redis;
  let logger: Logger;
  let policies: RoutingPolicies;

  beforeAll(async () => {
    // Probe rounds are driven by hand here: the timer would only fire after an hour.
    cp = await startControlPlane({ SWITCHYARD_ROUTER_PROBE_SECONDS: '3600' });
    redis = cp.app.get<Redis>(REDIS);
    logger = cp.app.get<Logger>(LOGGER);
    policies = cp.app.get(RoutingPolicies);
    // Its start-up reconcile marks runners that are not on NATS OFFLINE: rows come after it.
    await cp.app.get(RunnerLivenessService).ready();
  });

  afterAll(async () => {
    await cp?.close();
  });

  // ---- rows -------------------------------------------------------------------------------------

  const nodepool = (kind: NodepoolKind, jurisdiction: string, costPerCall = 0) =>
    cp.prisma.nodepool.create({ data: { name: `np-${randomUUID().slice(0, 8)}`, kind, region: `${jurisdiction.toLowerCase()}-1`, jurisdiction, costPerCall } });

  const server = async (policy?: { allowedJurisdictions?: string[]; routerKind?: RouterKind; routerParams?: object }) => {
    const row = await cp.prisma.mcpServer.create({ data: { name: `s-${randomUUID().slice(0, 8)}` } });
    if (policy) await cp.prisma.routePolicy.create({ data: { serverId: row.id, ...policy } });
    return row;
  };

  const version = (serverId: string, name: string, extra: { stateless?: boolean; toolsHash?: string; url?: string } = {}) =>
    cp.prisma.mcpServerVersion.create({
      data: { serverId, version: name, transport: extra.url ? 'STREAMABLE_HTTP' : 'STDIO', command: extra.url ? null : 'node', url: extra.url ?? null, stateless: extra.stateless ?? false, toolsHash: extra.toolsHash ?? null },
    });

  const runner = (nodepoolId: string, over: { status?: RunnerStatus; lastSeenAt?: Date; inFlight?: number; servers?: object[]; publicKey?: string } = {}) =>
    cp.prisma.runner.create({
      data: {
        nodepoolId,
        name: `r-${randomUUID().slice(0, 8)}`,
        publicKey: over.publicKey ?? createUser().getPublicKey(),
        status: over.status ?? 'HEALTHY',
        lastSeenAt: over.lastSeenAt ?? new Date(),
        inFlight: over.inFlight ?? 0,
        servers: over.servers ?? [],
      },
    });

  /** A deployment of the version in the runner's nodepool (one per version and nodepool), placed on the runner. */
  const place = async (versionId: string, runnerRow: { id: string; nodepoolId: string }) => {
    const deployment = await cp.prisma.deployment.upsert({
      where: { versionId_nodepoolId: { versionId, nodepoolId: runnerRow.nodepoolId } },
      create: { versionId, nodepoolId: runnerRow.nodepoolId },
      update: {},
    });
    await cp.prisma.placement.create({ data: { deploymentId: deployment.id, runnerId: runnerRow.id } });
    return deployment;
  };

  /** A second replica's services on the same Postgres and Redis (a replica id of its own). */
  const replica = (options: { replicaId?: string; weights?: ArmWeightsSource; rng?: () => number } = {}) => {
    const stats = new RoutingStats(redis, policies, logger, { replicaId: options.replicaId ?? randomUUID(), timers: false });
    const weights: ArmWeightsSource = options.weights ?? { forServer: () => Promise.resolve(null) };
    const source = new RoutingSnapshotSource(cp.app.get(RoutingRepository), policies, stats, new OutstandingRequests(), weights, logger, { timers: false, rng: options.rng ?? Math.random });
    const chooser = new RoutedUpstreamChooser(source, { rng: options.rng ?? Math.random });
    return { stats, source, chooser };
  };

  // ---- snapshot ---------------------------------------------------------------------------------

  it('builds the snapshot from real rows: usable runners and placements, versions, in-flight counts; bad routerParams fall back to the defaults', async () => {
    const eu = await nodepool('ON_PREM', 'EU', 0.25);
    const us = await nodepool('SAAS', 'US', 1);
    // A typo stored by hand (the API would refuse it): routing must not fail because of it.
    const s = await server({ routerParams: { epsilion: 0.3, floorShare: 0.2 } });
    const policy = await cp.prisma.routePolicy.findUniqueOrThrow({ where: { serverId: s.id } });
    const v1 = await version(s.id, '1.0.0', { stateless: true, toolsHash: 'abc' });
    const v2 = await version(s.id, '2.0.0');
    const healthy = await runner(eu.id, { inFlight: 3 });
    const unhealthyButFresh = await runner(us.id, { status: 'UNHEALTHY' });
    const unhealthyStale = await runner(us.id, { status: 'UNHEALTHY', lastSeenAt: new Date(Date.now() - 60_000) });
    const offline = await runner(eu.id, { status: 'OFFLINE' });
    const d1 = await place(v1.id, healthy);
    await place(v2.id, healthy);
    await place(v1.id, unhealthyButFresh);
    await place(v1.id, unhealthyStale);
    await place(v1.id, offline);
    // The runner's supervisor reports v2 crash-looping on the US runner: that placement cannot serve.
    const crashing = await runner(us.id);
    const d2us = await place(v2.id, crashing);
    await cp.prisma.runner.update({ where: { id: crashing.id }, data: { servers: [{ deploymentId: d2us.id, versionId: v2.id, state: 'BACKOFF', restarts: 4 }] } });
    const outstanding = cp.app.get(OutstandingRequests);
    outstanding.started(healthy.id);
    outstanding.started(healthy.id);

    const { snapshot, serverId, rolloutId, deployments } = await cp.app.get(RoutingSnapshotSource).snapshotFor(s.name);

    expect(serverId).toBe(s.id);
    expect(rolloutId).toBeNull();
    expect(snapshot.policy).toMatchObject({ id: policy.id, serverName: s.name, allowedJurisdictions: [] });
    expect(snapshot.nodepools).toEqual(expect.arrayContaining([{ id: eu.id, name: eu.name, kind: 'ON_PREM', region: 'eu-1', jurisdiction: 'EU', costPerCall: 0.25 }]));
    expect([...snapshot.runners].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [
        { id: healthy.id, nodepoolId: eu.id, outstanding: 5 },
        { id: unhealthyButFresh.id, nodepoolId: us.id, outstanding: 0 },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(snapshot.candidates).toHaveLength(3);
    expect(snapshot.candidates).not.toContainEqual(expect.objectContaining({ runnerId: crashing.id }));
    expect(deployments.get(`${healthy.id} ${v1.id}`)).toBe(d1.id);
    expect(snapshot.arms).toEqual([
      { versionId: v2.id, stateless: false, toolsHash: null, rolledBack: false },
      { versionId: v1.id, stateless: true, toolsHash: 'abc', rolledBack: false },
    ]);
    // No rollout: the newest placed version is the champion and takes everything.
    expect(snapshot.armPolicy).toEqual({ kind: 'WEIGHTED', weights: { [v2.id]: 1 } });
    expect(snapshot.config?.floorShare).toBe(0.05);
    outstanding.finished(healthy.id);
    outstanding.finished(healthy.id);
  });

  it('returns the decision first and then fallbacks on the other runners, with propensity and cost', async () => {
    const eu = await nodepool('ON_PREM', 'EU', 0.5);
    const s = await server();
    const v1 = await version(s.id, '1.0.0');
    const runners = [await runner(eu.id), await runner(eu.id), await runner(eu.id)];
    for (const r of runners) await place(v1.id, r);

    const sut = await cp.app.get(RoutedUpstreamChooser).candidates(s.name);

    expect(new Set(sut.map((u) => u.runnerId))).toEqual(new Set(runners.map((r) => r.id)));
    expect(sut.map((u) => u.fallback)).toEqual([0, 1, 2]);
    expect(sut[0]).toMatchObject({ versionId: v1.id, nodepoolId: eu.id, propensity: 1, rolloutId: null, unit: 'session', costPerCall: 0.5 });
  });

  // ---- residency --------------------------------------------------------------------------------

  it('refuses with an error naming the policy when only runners outside the allowed jurisdictions serve the server', async () => {
    const us = await nodepool('SAAS', 'US');
    const s = await server({ allowedJurisdictions: ['EU'] });
    const policy = await cp.prisma.routePolicy.findUniqueOrThrow({ where: { serverId: s.id } });
    const v1 = await version(s.id, '1.0.0');
    await place(v1.id, await runner(us.id));
    await place(v1.id, await runner(us.id));

    const sut = cp.app.get(RoutedUpstreamChooser).candidates(s.name);

    const error = await sut.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDomainError(error)).toBe(true);
    if (!isDomainError(error)) return;
    expect(error.code).toBe(ErrorCode.NO_ELIGIBLE_RUNNER);
    expect(error.message).toContain(`route policy ${policy.id} of ${s.name}`);
    expect(error.message).toContain('jurisdiction US not in [EU]');
    expect(error.details).toMatchObject({ reason: 'RESIDENCY', policyId: policy.id, server: s.name });
  });

  // ---- shared statistics ------------------------------------------------------------------------

  it('ejects a runner after consecutive failures recorded by two replicas, and both see it', async () => {
    const eu = await nodepool('ON_PREM', 'EU');
    const s = await server();
    const v1 = await version(s.id, '1.0.0');
    const bad = await runner(eu.id);
    const good = await runner(eu.id);
    await place(v1.id, bad);
    await place(v1.id, good);
    const a = replica();
    const b = replica();
    await a.source.snapshotFor(s.name); // tracks both runners: the ejection cap counts them
    const now = Date.now();

    // Alternating replicas: neither saw five in a row itself.
    for (let i = 0; i < 5; i++) {
      const on = i % 2 === 0 ? a : b;
      await on.stats.recordOutcome({ serverName: s.name, versionId: v1.id, runnerId: bad.id, outcome: failure }, now + i);
    }

    expect(ejectedRunners(await a.stats.readHealth(s.id, now + 10), now + 10)).toEqual([bad.id]);
    expect(ejectedRunners(await b.stats.readHealth(s.id, now + 10), now + 10)).toEqual([bad.id]);
    const chosen = await b.chooser.candidates(s.name);
    expect(chosen.map((u) => u.runnerId)).toEqual([good.id]);
  });

  it('does not count client cancellations and auth denials, and a success resets the run of failures', async () => {
    const eu = await nodepool('ON_PREM', 'EU');
    const s = await server();
    const v1 = await version(s.id, '1.0.0');
    const r1 = await runner(eu.id);
    const r2 = await runner(eu.id);
    await place(v1.id, r1);
    await place(v1.id, r2);
    const { stats, source } = replica();
    await source.snapshotFor(s.name);
    const record = (outcome: CallOutcome) => stats.recordOutcome({ serverName: s.name, versionId: v1.id, runnerId: r1.id, outcome });

    for (let i = 0; i < 4; i++) await record(failure);
    expect(await record({ kind: 'cancelled' })).toBe('ignored');
    expect(await record({ kind: 'auth-denied' })).toBe('ignored');
    await record(success);
    for (let i = 0; i < 3; i++) await record(failure);
    // As the gateway audits it: a call cut off by our own shutdown is not recorded, a timeout is a failure.
    const audited = { serverName: s.name, versionId: v1.id, runnerId: r1.id };
    expect(await stats.recordInvocation({ ...audited, outcome: 'INTERRUPTED', errorCode: 'CONTROL_PLANE_SHUTDOWN', latencyMs: 5 })).toBeNull();
    expect(await stats.recordInvocation({ ...audited, outcome: 'TIMEOUT', errorCode: null, latencyMs: 30_000 })).toBe('failure');

    const health = await stats.readHealth(s.id);
    expect(health.runners[r1.id]).toMatchObject({ consecutiveFailures: 4, ejectedUntil: null, intervalSuccesses: 1 });
  });

  it('keeps what was learned across a restart: a new RoutingStats reads the arm statistics and ejections from Redis', async () => {
    const eu = await nodepool('ON_PREM', 'EU');
    const s = await server({ routerKind: 'THOMPSON' });
    const v1 = await version(s.id, '1.0.0');
    const v2 = await version(s.id, '2.0.0');
    const r1 = await runner(eu.id);
    const r2 = await runner(eu.id);
    await place(v1.id, r1);
    await place(v2.id, r2);
    const before = replica();
    await before.source.snapshotFor(s.name);
    for (let i = 0; i < 20; i++) {
      await before.stats.recordOutcome({ serverName: s.name, versionId: v1.id, runnerId: r1.id, outcome: success });
      await before.stats.recordOutcome({ serverName: s.name, versionId: v2.id, runnerId: r2.id, outcome: failure });
    }
    await before.stats.flush();

    const after = replica();
    const stats = await after.stats.readArmStats(s.id, Infinity);
    const health = await after.stats.readHealth(s.id);
    await after.source.snapshotFor(s.name); // a bandit's first snapshot computes its preferences
    await after.source.tick();
    const { snapshot } = await after.source.snapshotFor(s.name);

    expect(stats[v1.id]?.count).toBeCloseTo(20, 1);
    expect(stats[v1.id]!.rewardSum / stats[v1.id]!.count).toBeGreaterThan(0.9);
    expect(stats[v2.id]).toMatchObject({ rewardSum: 0 });
    expect(stats[v2.id]?.count).toBeCloseTo(20, 1);
    expect(ejectedRunners(health, Date.now())).toEqual([r2.id]);
    expect(snapshot.armPolicy.kind).toBe('THOMPSON');
    if (snapshot.armPolicy.kind === 'WEIGHTED') return;
    expect(snapshot.armPolicy.preferences?.byVersion[v1.id]).toBeGreaterThan(0.99);
  });

  // ---- weights ----------------------------------------------------------------------------------

  it("follows the rollout's weights: about 900 of 1000 sessions at 90/10, each with its exact propensity", async () => {
    const eu = await nodepool('ON_PREM', 'EU');
    const s = await server();
    const champion = await version(s.id, '1.0.0');
    const challenger = await version(s.id, '2.0.0');
    await place(champion.id, await runner(eu.id));
    await place(challenger.id, await runner(eu.id));
    const weights: ArmWeightsSource = {
      forServer: (serverId): Promise<ArmWeights | null> =>
        Promise.resolve(serverId === s.id ? { rolloutId: 'rollout-1', phase: 'CANARY', weights: { [champion.id]: 0.9, [challenger.id]: 0.1 } } : null),
    };
    const { chooser } = replica({ weights, rng: seededRng(7) });

    let championFirst = 0;
    for (let i = 0; i < 1000; i++) {
      const [first] = await chooser.candidates(s.name);
      expect(first?.rolloutId).toBe('rollout-1');
      expect(first?.propensity).toBeCloseTo(first?.versionId === champion.id ? 0.9 : 0.1, 12);
      if (first?.versionId === champion.id) championFirst += 1;
    }

    // Binomial(1000, 0.9): standard deviation ≈ 9.5; ±40 is more than four of them.
    expect(championFirst).toBeGreaterThanOrEqual(860);
    expect(championFirst).toBeLessThanOrEqual(940);
  });

  it('applies a rollback made on this replica to the very next decision once the snapshot is invalidated', async () => {
    const eu = await nodepool('ON_PREM', 'EU');
    const s = await server();
    const champion = await version(s.id, '1.0.0');
    const challenger = await version(s.id, '2.0.0');
    await place(champion.id, await runner(eu.id));
    await place(challenger.id, await runner(eu.id));
    let current: ArmWeights | null = { rolloutId: 'rollout-2', phase: 'CANARY', weights: { [champion.id]: 0, [challenger.id]: 1 } };
    const { chooser, source } = replica({ weights: { forServer: () => Promise.resolve(current) } });
    expect((await chooser.candidates(s.name))[0]?.versionId).toBe(challenger.id);

    // Rolled back: no active rollout any more, and the finished rollout left the champion serving.
    await cp.prisma.rollout.create({ data: { serverId: s.id, championVersionId: champion.id, challengerVersionId: challenger.id, phase: 'ROLLED_BACK', finishedAt: new Date() } });
    current = null;
    source.invalidate(s.name);
    const next = await chooser.candidates(s.name);

    expect(next.map((u) => u.versionId)).toEqual([champion.id]);
    expect(next[0]?.rolloutId).toBeNull();
  });

  // ---- probes -----------------------------------------------------------------------------------

  describe('active probes through a real runner', () => {
    const roundMs = 3_600_000;
    const firstRound = Math.floor(Date.now() / roundMs) * roundMs + 1;
    let runnerProcess: RunnerProcess | undefined;
    let everything: ChildProcess | undefined;
    let runnerId: string;
    let dead: { serverId: string; deploymentId: string };
    let alive: { serverId: string; deploymentId: string };
    let sharedStdio: { serverId: string; deploymentId: string };
    let exclusiveStdio: { serverId: string; deploymentId: string };
    let other: ActiveProber;

    /** A loopback port nothing listens on: bound, then released. */
    const freePort = () =>
      new Promise<number>((resolve) => {
        const probe = createServer();
        probe.listen(0, '127.0.0.1', () => {
          const address = probe.address();
          probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
        });
      });

    /** server-everything over Streamable HTTP, resolved once it listens. */
    const startEverythingHttp = async (port: number): Promise<ChildProcess> => {
      const child = spawn(process.execPath, [EVERYTHING_ENTRY, 'streamableHttp'], { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr?.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes('listening on port')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`server-everything exited with ${code}: ${stderr}`)));
      });
      return child;
    };

    const stdioPlacement = (serverName: string, deploymentId: string, versionId: string, stateless: boolean) => ({
      deploymentId,
      versionId,
      serverName,
      secretValues: {},
      launch: { transport: 'STDIO', command: 'node', args: [EVERYTHING_ENTRY, 'stdio'], env: {}, secretEnv: [], url: null, artifactIntegrity: null, stateless },
    });

    const httpPlacement = (serverName: string, deploymentId: string, versionId: string, url: string) => ({
      deploymentId,
      versionId,
      serverName,
      secretValues: {},
      launch: { transport: 'STREAMABLE_HTTP', command: null, args: [], env: {}, secretEnv: [], url, artifactIntegrity: null, stateless: false },
    });

    beforeAll(async () => {
      const eu = await nodepool('ON_PREM', 'EU');
      const key = createUser();
      const row = await runner(eu.id, { publicKey: key.getPublicKey() });
      runnerId = row.id;
      const port = await freePort();
      everything = await startEverythingHttp(port);
      const deadUrl = `http://127.0.0.1:${await freePort()}/mcp`;
      const aliveUrl = `http://127.0.0.1:${port}/mcp`;
      const sDead = await server();
      const sAlive = await server();
      const vDead = await version(sDead.id, '1.0.0', { url: deadUrl });
      const vAlive = await version(sAlive.id, '1.0.0', { url: aliveUrl });
      const dDead = await place(vDead.id, row);
      const dAlive = await place(vAlive.id, row);
      dead = { serverId: sDead.id, deploymentId: dDead.id };
      alive = { serverId: sAlive.id, deploymentId: dAlive.id };
      // stdio: a stateless server is shared on the runner (a probe takes nobody's place); a stateful one is not probed.
      const sShared = await server();
      const sExclusive = await server();
      const vShared = await version(sShared.id, '1.0.0', { stateless: true });
      const vExclusive = await version(sExclusive.id, '1.0.0');
      const dShared = await place(vShared.id, row);
      const dExclusive = await place(vExclusive.id, row);
      sharedStdio = { serverId: sShared.id, deploymentId: dShared.id };
      exclusiveStdio = { serverId: sExclusive.id, deploymentId: dExclusive.id };
      const { jwt } = await cp.app.get(RunnerCredentialsService).issueRunnerJwt({ runnerId: row.id, runnerPublicKey: key.getPublicKey() });
      runnerProcess = await startRunnerProcess({
        natsUrl: testEnv().natsUrl,
        runnerId: row.id,
        creds: credsText(jwt, key),
        placements: [
          httpPlacement(sDead.name, dDead.id, vDead.id, deadUrl),
          httpPlacement(sAlive.name, dAlive.id, vAlive.id, aliveUrl),
          stdioPlacement(sShared.name, dShared.id, vShared.id, true),
          stdioPlacement(sExclusive.name, dExclusive.id, vExclusive.id, false),
        ],
      });
      // A second replica's prober: same Redis, its own statistics instance.
      other = new ActiveProber(cp.app.get(RoutingRepository), cp.app.get(RunnerRelay), replica().stats, redis, cp.app.get<ControlPlaneConfig>(CONTROL_PLANE_CONFIG), logger, { timers: false });
    });

    afterAll(async () => {
      await runnerProcess?.stop();
      everything?.kill();
    });

    const verdictOf = (report: ProbeRoundReport, deploymentId: string) => report.probed.find((p) => p.deploymentId === deploymentId)?.verdict;

    it('marks a runner whose upstream refuses connections down after two rounds, one prober per runner per round', async () => {
      const sut = cp.app.get(ActiveProber);
      const stats = cp.app.get(RoutingStats);

      const first = await sut.probeRound(firstRound);
      const sameRound = await other.probeRound(firstRound + 10);
      const afterOne = await stats.readHealth(dead.serverId, firstRound);
      const second = await other.probeRound(firstRound + roundMs);
      const afterTwo = await stats.readHealth(dead.serverId, firstRound + roundMs);

      expect(verdictOf(first, dead.deploymentId)).toEqual({ kind: 'dead', reason: expect.stringContaining('NOT_RUNNING') });
      expect(verdictOf(first, sharedStdio.deploymentId)).toEqual({ kind: 'alive' });
      expect(verdictOf(first, exclusiveStdio.deploymentId)).toBeUndefined();
      // Runners of earlier tests with stateless stdio placements are probe targets too.
      expect(sameRound.probed).toEqual([]);
      expect(sameRound.lockedElsewhere).toContain(runnerId);
      expect(afterOne.runners[runnerId]).toMatchObject({ probeFailuresInRow: 1, probeDown: false });
      expect(verdictOf(second, dead.deploymentId)?.kind).toBe('dead');
      expect(afterTwo.runners[runnerId]).toMatchObject({ probeFailuresInRow: 2, probeDown: true });
    });

    it('brings a probed-down runner back after two rounds in which its upstream answers ping', async () => {
      const stats = cp.app.get(RoutingStats);
      const start = firstRound + 10 * roundMs;
      // Down for this server, as two failed probes earlier would have left it.
      await stats.recordProbe({ serverId: alive.serverId, runnerId, ok: false }, start - 2);
      await stats.recordProbe({ serverId: alive.serverId, runnerId, ok: false }, start - 1);
      expect((await stats.readHealth(alive.serverId, start)).runners[runnerId]?.probeDown).toBe(true);

      const first = await other.probeRound(start);
      const afterOne = await stats.readHealth(alive.serverId, start);
      await other.probeRound(start + roundMs);
      const afterTwo = await stats.readHealth(alive.serverId, start + roundMs);

      expect(verdictOf(first, alive.deploymentId)).toEqual({ kind: 'alive' });
      expect(afterOne.runners[runnerId]).toMatchObject({ probeSuccessesInRow: 1, probeDown: true });
      expect(afterTwo.runners[runnerId]).toMatchObject({ probeSuccessesInRow: 2, probeDown: false });
      // The refusing upstream of the other server on the same runner does not affect this one.
      expect((await stats.readHealth(dead.serverId, start + roundMs)).runners[runnerId]?.probeDown).toBe(true);
    });
  });
});

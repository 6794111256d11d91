// Rollouts through GraphQL: start, every operator command, refusals, concurrent commands, and the
// one-active-rollout-per-server index, on a real control plane and Postgres.
import { RolloutsRepository } from '../src/rollouts/rollouts.repository.js';
import { RolloutWeights } from '../src/rollouts/rollout-weights.js';
import { codesOf, startControlPlane, ApiKeyRole, type GraphQLResponse, type TestControlPlane } from './harness.js';
import { rolloutServer } from './rollout-fixtures.js';

const ROLLOUT = `id serverId championVersionId challengerVersionId phase pausedFromPhase canaryStep version updatedAt
  toolsHashChampion toolsHashChallenger gateConfig weights { versionId share }`;
const START = `mutation($input: StartRolloutInput!) { startRollout(input: $input) { ${ROLLOUT} } }`;
const command = (name: string) => `mutation($id: ID!, $reason: String) { ${name}(id: $id, reason: $reason) { ${ROLLOUT} } }`;
const EVENTS = `query($id: ID!) { rollout(id: $id) { events(first: 100) { totalCount nodes {
  id kind fromPhase toPhase reason actorType actorKeyId metrics weights { versionId share } } } } }`;

interface Rollout {
  id: string;
  serverId: string;
  championVersionId: string;
  challengerVersionId: string;
  phase: string;
  pausedFromPhase: string | null;
  canaryStep: number;
  version: number;
  updatedAt: string;
  toolsHashChampion: string;
  toolsHashChallenger: string;
  gateConfig: Record<string, unknown>;
  weights: Array<{ versionId: string; share: number }>;
}
interface RolloutEvent {
  id: string;
  kind: string;
  fromPhase: string | null;
  toPhase: string;
  reason: string;
  actorType: string;
  actorKeyId: string | null;
  metrics: Record<string, unknown> | null;
  weights: Array<{ versionId: string; share: number }>;
}

describe('rollouts through GraphQL', () => {
  let sut: TestControlPlane;
  let operator: string;
  let viewer: string;
  let operatorKeyId: string;

  const start = (input: Record<string, unknown>, key = operator) => sut.gql<{ startRollout: Rollout }>(START, { input }, key);
  const started = async (input: Record<string, unknown>): Promise<Rollout> => {
    const response = await start(input);
    expect(response.errors).toBeUndefined();
    return response.data!.startRollout;
  };
  const run = (name: string, id: string, reason?: string) => sut.gql<Record<string, Rollout>>(command(name), { id, reason }, operator);
  const ok = async (name: string, id: string, reason?: string): Promise<Rollout> => {
    const response = await run(name, id, reason);
    expect(response.errors).toBeUndefined();
    return response.data![name]!;
  };
  const eventsOf = async (id: string): Promise<RolloutEvent[]> => {
    const response = await sut.gql<{ rollout: { events: { nodes: RolloutEvent[] } } }>(EVENTS, { id }, viewer);
    expect(response.errors).toBeUndefined();
    return response.data!.rollout.events.nodes;
  };
  const fieldsOf = (response: GraphQLResponse) => (response.errors?.[0]?.extensions?.['fields'] ?? []) as Array<{ path: string; message: string }>;

  beforeAll(async () => {
    // The scheduled analysis stays out of the way here (an hour); its own specs drive it.
    sut = await startControlPlane({ SWITCHYARD_ROLLOUT_ANALYSIS_SECONDS: '3600' });
    operator = await sut.keyFor(ApiKeyRole.OPERATOR, 'rollout-operator');
    viewer = await sut.keyFor(ApiKeyRole.VIEWER);
    operatorKeyId = (await sut.prisma.apiKey.findFirstOrThrow({ where: { name: 'rollout-operator' } })).id;
  });
  afterAll(() => sut.close());

  it('starts a rollout by server name with the deployed version as champion, in PILOT, audited', async () => {
    const s = await rolloutServer(sut.prisma);
    const rollout = await started({ serverName: s.serverName, challengerVersionId: s.challengerVersionId });
    expect(rollout).toMatchObject({
      serverId: s.serverId,
      championVersionId: s.championVersionId,
      challengerVersionId: s.challengerVersionId,
      phase: 'PILOT',
      canaryStep: 0,
      version: 0,
      toolsHashChampion: 'tools-a',
      toolsHashChallenger: 'tools-a',
      weights: [
        { versionId: s.championVersionId, share: 1 },
        { versionId: s.challengerVersionId, share: 0 },
      ],
    });
    // Defaults are filled in and stored, so a later change of a default never moves a running rollout.
    expect(rollout.gateConfig['canary']).toMatchObject({ steps: [0.01, 0.05, 0.25, 0.5], minCallsPerStep: 100 });

    const [startedEvent, ...rest] = await eventsOf(rollout.id);
    expect(rest).toEqual([]);
    expect(startedEvent).toMatchObject({ kind: 'STARTED', fromPhase: null, toPhase: 'PILOT', actorType: 'USER', actorKeyId: operatorKeyId, reason: 'rollout started' });
    expect(startedEvent!.metrics).toMatchObject({ toolsHashChanged: false });

    const audit = await sut.prisma.adminEvent.findMany({ where: { targetId: rollout.id } });
    expect(audit.map((e) => e.action)).toEqual(['rollout.start']);

    const list = await sut.gql<{ rollouts: { totalCount: number; nodes: Array<{ id: string }> } }>(
      `query($f: RolloutFilterInput) { rollouts(filter: $f) { totalCount nodes { id } } }`,
      { f: { serverId: s.serverId, active: true } },
      viewer,
    );
    expect(list.data?.rollouts).toEqual({ totalCount: 1, nodes: [{ id: rollout.id }] });
    const finished = await sut.gql<{ rollouts: { totalCount: number } }>(
      `query($f: RolloutFilterInput) { rollouts(filter: $f) { totalCount } }`,
      { f: { serverId: s.serverId, active: false } },
      viewer,
    );
    expect(finished.data?.rollouts.totalCount).toBe(0);
  });

  it('walks the ladder by operator commands, each one event with its reason, and refuses commands on a finished rollout', async () => {
    const s = await rolloutServer(sut.prisma);
    const rollout = await started({ serverId: s.serverId, challengerVersionId: s.challengerVersionId, config: { shadow: { enabled: false } } });

    expect(await ok('advanceRollout', rollout.id)).toMatchObject({ phase: 'CANARY', version: 1 });
    const paused = await ok('pauseRollout', rollout.id, 'waiting for the on-call');
    expect(paused).toMatchObject({ phase: 'PAUSED', pausedFromPhase: 'CANARY' });
    expect(paused.weights.find((w) => w.versionId === s.challengerVersionId)?.share).toBe(0.01);

    const pausedAgain = await run('pauseRollout', rollout.id);
    expect(codesOf(pausedAgain)).toEqual(['CONFLICT']);
    expect(pausedAgain.errors?.[0]?.message).toBe('cannot pause: the rollout is already PAUSED');
    expect(pausedAgain.errors?.[0]?.extensions).toMatchObject({ refusal: 'ALREADY_PAUSED', phase: 'PAUSED' });

    expect(await ok('resumeRollout', rollout.id)).toMatchObject({ phase: 'CANARY', pausedFromPhase: null });
    expect(codesOf(await run('resumeRollout', rollout.id))).toEqual(['CONFLICT']);
    const promoted = await ok('promoteRollout', rollout.id, 'looks good');
    expect(promoted).toMatchObject({ phase: 'PROMOTED', version: 4 });
    expect(promoted.weights).toEqual([
      { versionId: s.championVersionId, share: 0 },
      { versionId: s.challengerVersionId, share: 1 },
    ]);

    for (const name of ['rollbackRollout', 'abortRollout', 'advanceRollout', 'pauseRollout']) {
      const refused = await run(name, rollout.id);
      expect(codesOf(refused)).toEqual(['CONFLICT']);
      expect(refused.errors?.[0]?.message).toMatch(/the rollout has ended in PROMOTED; start a new rollout/);
    }

    const events = await eventsOf(rollout.id);
    expect(events.map((e) => [e.kind, e.fromPhase, e.toPhase, e.reason])).toEqual([
      ['STARTED', null, 'PILOT', 'rollout started'],
      ['ADVANCED', 'PILOT', 'CANARY', 'operator advanced'],
      ['PAUSED', 'CANARY', 'PAUSED', 'waiting for the on-call'],
      ['RESUMED', 'PAUSED', 'CANARY', 'operator resumed'],
      ['PROMOTED', 'CANARY', 'PROMOTED', 'looks good'],
    ]);
    expect(events.every((e) => e.actorType === 'USER' && e.actorKeyId === operatorKeyId)).toBe(true);
    // Refused commands changed nothing and left no audit row.
    const audit = await sut.prisma.adminEvent.findMany({ where: { targetId: rollout.id }, orderBy: { at: 'asc' } });
    expect(audit.map((e) => e.action)).toEqual(['rollout.start', 'rollout.advance', 'rollout.pause', 'rollout.resume', 'rollout.promoteNow']);

    // The promoted challenger is now the server's champion: the default for the next rollout.
    const next = await sut.prisma.mcpServerVersion.create({ data: { serverId: s.serverId, version: '1.2.0', transport: 'STDIO', command: 'node' } });
    expect(await started({ serverId: s.serverId, challengerVersionId: next.id })).toMatchObject({ championVersionId: s.challengerVersionId });
  });

  it('rolls back and aborts from any live phase, giving the champion everything', async () => {
    const s = await rolloutServer(sut.prisma);
    // The challenger is deployed too (it had to be, to get traffic): newer, but not the champion.
    await sut.prisma.deployment.create({ data: { versionId: s.challengerVersionId, nodepoolId: s.nodepoolId } });
    const first = await started({ serverId: s.serverId, challengerVersionId: s.challengerVersionId });
    await ok('advanceRollout', first.id); // SHADOW
    const rolledBack = await ok('rollbackRollout', first.id, 'errors in the logs');
    expect(rolledBack.phase).toBe('ROLLED_BACK');
    expect(rolledBack.weights.find((w) => w.versionId === s.challengerVersionId)?.share).toBe(0);

    const second = await started({ serverId: s.serverId, challengerVersionId: s.challengerVersionId });
    await ok('pauseRollout', second.id);
    expect((await ok('abortRollout', second.id)).phase).toBe('ABORTED');
    expect((await eventsOf(second.id)).map((e) => e.kind)).toEqual(['STARTED', 'PAUSED', 'ABORTED']);

    // After a rollback or abort the champion still serves, so it stays the default champion.
    const next = await sut.prisma.mcpServerVersion.create({ data: { serverId: s.serverId, version: '1.2.0', transport: 'STDIO', command: 'node' } });
    expect(await started({ serverId: s.serverId, challengerVersionId: next.id })).toMatchObject({ championVersionId: s.championVersionId });
  });

  it('refuses bad starts with BAD_USER_INPUT naming the field, and a second active rollout with CONFLICT', async () => {
    const s = await rolloutServer(sut.prisma);
    const badConfig = await start({ serverId: s.serverId, challengerVersionId: s.challengerVersionId, config: { canary: { steps: [0.5, 0.25] }, typo: 1 } });
    expect(codesOf(badConfig)).toEqual(['BAD_USER_INPUT']);
    expect(fieldsOf(badConfig).map((f) => f.path).sort()).toEqual(['config', 'config.canary.steps.1']);

    expect(fieldsOf(await start({ challengerVersionId: s.challengerVersionId })).map((f) => f.path)).toEqual(['serverId']);
    expect(fieldsOf(await start({ serverId: s.serverId, serverName: s.serverName, challengerVersionId: s.challengerVersionId })).map((f) => f.path)).toEqual(['serverId']);
    const same = await start({ serverId: s.serverId, challengerVersionId: s.championVersionId, championVersionId: s.championVersionId });
    expect(fieldsOf(same).map((f) => f.path)).toEqual(['challengerVersionId']);
    const other = await rolloutServer(sut.prisma);
    expect(fieldsOf(await start({ serverId: s.serverId, challengerVersionId: other.challengerVersionId })).map((f) => f.path)).toEqual(['challengerVersionId']);
    const noChampion = await rolloutServer(sut.prisma);
    await sut.prisma.deployment.deleteMany({ where: { versionId: noChampion.championVersionId } });
    expect(fieldsOf(await start({ serverId: noChampion.serverId, challengerVersionId: noChampion.challengerVersionId })).map((f) => f.path)).toEqual(['championVersionId']);
    expect(codesOf(await start({ serverId: s.serverId, challengerVersionId: s.challengerVersionId }, viewer))).toEqual(['FORBIDDEN']);

    const first = await started({ serverId: s.serverId, challengerVersionId: s.challengerVersionId });
    const second = await start({ serverId: s.serverId, challengerVersionId: s.challengerVersionId });
    expect(codesOf(second)).toEqual(['CONFLICT']);
    expect(second.errors?.[0]?.message).toBe(`${s.serverName} already has an active rollout (${first.id}); finish it (promote, roll back or abort) before starting another`);
  });

  it('lets exactly one of two simultaneous starts in: the partial unique index decides, the loser gets CONFLICT', async () => {
    const s = await rolloutServer(sut.prisma);
    const responses = await Promise.all(Array.from({ length: 4 }, () => start({ serverId: s.serverId, challengerVersionId: s.challengerVersionId })));
    expect(responses.filter((r) => !r.errors)).toHaveLength(1);
    expect(responses.filter((r) => r.errors).map((r) => codesOf(r).join())).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT']);
    expect(await sut.prisma.rollout.count({ where: { serverId: s.serverId } })).toBe(1);

    // The database itself refuses a second active row, whoever writes it.
    const insert = sut.prisma.rollout.create({ data: { serverId: s.serverId, championVersionId: s.championVersionId, challengerVersionId: s.challengerVersionId } });
    await expect(insert).rejects.toThrow(/Unique constraint failed/);
    // A finished rollout does not count.
    await sut.prisma.rollout.create({ data: { serverId: s.serverId, championVersionId: s.championVersionId, challengerVersionId: s.challengerVersionId, phase: 'ABORTED' } });
  });

  it('applies simultaneous commands one after the other: every accepted command has its event, none is lost', async () => {
    const s = await rolloutServer(sut.prisma);
    const rollout = await started({ serverId: s.serverId, challengerVersionId: s.challengerVersionId });
    const names = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 'pauseRollout' : 'resumeRollout'));
    const responses = await Promise.all(names.map((name) => run(name, rollout.id, `burst ${name}`)));
    const accepted = responses.filter((r) => !r.errors);
    expect(responses.filter((r) => r.errors).every((r) => codesOf(r).join() === 'CONFLICT')).toBe(true);
    expect(accepted.length).toBeGreaterThan(0);

    const events = (await eventsOf(rollout.id)).slice(1);
    expect(events).toHaveLength(accepted.length);
    const row = await sut.prisma.rollout.findUniqueOrThrow({ where: { id: rollout.id } });
    expect(row.version).toBe(accepted.length);
    // Serialised by the row lock, pause and resume can only alternate, whatever order they arrived
    // in: at most one more pause than resumes, and the final phase says which came last. Two
    // commands acting on the same stale state would have paused one PILOT twice.
    const pauses = events.filter((e) => e.kind === 'PAUSED').length;
    expect(pauses - (events.length - pauses)).toBe(row.phase === 'PAUSED' ? 1 : 0);
    expect(events.every((e) => (e.kind === 'PAUSED' ? e.fromPhase === 'PILOT' : e.fromPhase === 'PAUSED'))).toBe(true);
  });

  it('serves polling clients: rolloutEvents since a time, and Rollout.version / updatedAt moving with each change', async () => {
    const s = await rolloutServer(sut.prisma);
    const before = new Date();
    const rollout = await started({ serverId: s.serverId, challengerVersionId: s.challengerVersionId });
    const advanced = await ok('advanceRollout', rollout.id);
    expect(advanced.version).toBe(rollout.version + 1);
    expect(new Date(advanced.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(rollout.updatedAt).getTime());

    const poll = await sut.gql<{ rolloutEvents: { nodes: Array<{ kind: string; rolloutId: string }>; pageInfo: { endCursor: string } } }>(
      `query($since: DateTime!, $id: ID) { rolloutEvents(since: $since, rolloutId: $id) { nodes { kind rolloutId } pageInfo { endCursor } } }`,
      { since: before.toISOString(), id: rollout.id },
      viewer,
    );
    expect(poll.errors).toBeUndefined();
    expect(poll.data?.rolloutEvents.nodes.map((e) => e.kind)).toEqual(['STARTED', 'ADVANCED']);

    await ok('pauseRollout', rollout.id);
    const next = await sut.gql<{ rolloutEvents: { nodes: Array<{ kind: string }> } }>(
      `query($since: DateTime!, $after: String) { rolloutEvents(since: $since, after: $after) { nodes { kind } } }`,
      { since: before.toISOString(), after: poll.data?.rolloutEvents.pageInfo.endCursor },
      viewer,
    );
    expect(next.data?.rolloutEvents.nodes.map((e) => e.kind)).toContain('PAUSED');
    expect(next.data?.rolloutEvents.nodes.map((e) => e.kind)).not.toContain('ADVANCED');
  });

  it('RolloutWeights.forServer: null without an active rollout, the shares by version with one, cached briefly and cleared by a change', async () => {
    const s = await rolloutServer(sut.prisma);
    const weights = sut.app.get(RolloutWeights);
    expect(await weights.forServer(s.serverId)).toBeNull();

    const rollout = await started({ serverId: s.serverId, challengerVersionId: s.challengerVersionId, config: { shadow: { enabled: false } } });
    await ok('advanceRollout', rollout.id);
    const t = Date.now();
    expect(await weights.forServer(s.serverId, t)).toEqual({
      rolloutId: rollout.id,
      phase: 'CANARY',
      weights: { [s.championVersionId]: 0.99, [s.challengerVersionId]: 0.01 },
    });

    // A write that bypasses this replica (another replica's) is seen once the cache entry expires.
    await sut.prisma.rollout.update({ where: { id: rollout.id }, data: { weights: { [s.championVersionId]: 0.95, [s.challengerVersionId]: 0.05 } } });
    expect((await weights.forServer(s.serverId, t + 10))?.weights[s.challengerVersionId]).toBe(0.01);
    expect((await weights.forServer(s.serverId, t + 60_000))?.weights[s.challengerVersionId]).toBe(0.05);

    // A rollback through this replica takes effect on the next request.
    await weights.forServer(s.serverId);
    await ok('rollbackRollout', rollout.id);
    expect(await weights.forServer(s.serverId)).toBeNull();
    expect(await sut.app.get(RolloutsRepository).findActiveForServer(s.serverId)).toBeNull();
  });
});

import type { Rollout } from '@switchyard/db';
import { startRollout, transition } from '@switchyard/rollout';
import { eventRow, sharesOf, stateColumns, stateOf } from './rollout-row.js';

const versions = { championVersionId: 'v-champion', challengerVersionId: 'v-challenger' };
const T0 = Date.UTC(2026, 10, 23, 12);

function rowOf(columns: ReturnType<typeof stateColumns>, gateConfig: unknown): Rollout {
  return {
    id: 'r1',
    serverId: 's1',
    ...versions,
    ...columns,
    gateConfig,
    toolsHashChampion: 'h1',
    toolsHashChallenger: 'h2',
    lastAnalysisTickAt: null,
    lastAssessment: null,
    version: 0,
    startedAt: new Date(T0),
    updatedAt: new Date(T0),
  } as Rollout;
}

describe('Rollout row ⇄ RolloutState', () => {
  it('round-trips a paused canary state through the columns', () => {
    const started = startRollout({ config: { shadow: { enabled: false } }, toolsHash: { champion: 'h1', challenger: 'h2' } }, T0).state;
    const canary = transition(started, { type: 'command', command: 'advance' }, T0 + 1000).state;
    const paused = transition(canary, { type: 'command', command: 'pause' }, T0 + 2000).state;
    const row = rowOf(stateColumns(paused, versions), paused.config);
    expect(stateOf(row)).toEqual(paused);
    expect(row.weights).toEqual({ 'v-champion': 0.99, 'v-challenger': 0.01 });
  });

  it('turns an event into a RolloutEvent row with shares by version and extra metrics merged', () => {
    const { events } = startRollout({ toolsHash: { champion: 'h', challenger: 'h' }, actorKeyId: 'k1' }, T0);
    const row = eventRow('r1', events[0]!, versions, { tick: { at: T0 } });
    expect(row).toMatchObject({ rolloutId: 'r1', kind: 'STARTED', fromPhase: null, toPhase: 'PILOT', actorType: 'USER', actorKeyId: 'k1' });
    expect(row.weights).toEqual({ 'v-champion': 1, 'v-challenger': 0 });
    expect(row.metrics).toMatchObject({ toolsHashChanged: false, tick: { at: T0 } });
    expect(row.at).toEqual(new Date(T0));
  });

  it('lists shares champion first, a missing share as 0', () => {
    expect(sharesOf({ 'v-challenger': 0.25, 'v-champion': 0.75 }, versions)).toEqual([
      { versionId: 'v-champion', share: 0.75 },
      { versionId: 'v-challenger', share: 0.25 },
    ]);
    expect(sharesOf({}, versions)).toEqual([
      { versionId: 'v-champion', share: 0 },
      { versionId: 'v-challenger', share: 0 },
    ]);
  });
});

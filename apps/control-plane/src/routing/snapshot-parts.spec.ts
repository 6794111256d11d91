import type { PlacementRow } from './routing.repository.js';
import { placementKey, sameParts, snapshotParts } from './snapshot-parts.js';

const pool = { id: 'np-1', name: 'eu', kind: 'ON_PREM' as const, region: 'de', jurisdiction: 'EU', costPerCall: 0.5 };
const placement = (over: Partial<PlacementRow>): PlacementRow => ({ runnerId: 'r-1', runnerNodepoolId: 'np-1', runnerInFlight: 2, runnerServers: [], deploymentId: 'd-1', versionId: 'v-1', ...over });

describe('snapshotParts', () => {
  it('turns placements into runners, candidates and the deployment of each (runner, version)', () => {
    const sut = snapshotParts([pool], [placement({}), placement({ deploymentId: 'd-2', versionId: 'v-2' }), placement({ runnerId: 'r-2', runnerInFlight: 0 })]);

    expect(sut.runners).toEqual([
      { id: 'r-1', nodepoolId: 'np-1', outstanding: 2 },
      { id: 'r-2', nodepoolId: 'np-1', outstanding: 0 },
    ]);
    expect(sut.candidates).toHaveLength(3);
    expect(sut.deployments.get(placementKey('r-1', 'v-2'))).toBe('d-2');
  });

  it('leaves out a placement whose server the runner reports FAILED or crash-looping', () => {
    const servers = [
      { deploymentId: 'd-1', versionId: 'v-1', state: 'BACKOFF', restarts: 3 },
      { deploymentId: 'd-2', versionId: 'v-2', state: 'RUNNING', restarts: 0 },
    ];

    const sut = snapshotParts([pool], [placement({ runnerServers: servers }), placement({ deploymentId: 'd-2', versionId: 'v-2', runnerServers: servers })]);

    expect(sut.candidates).toEqual([{ runnerId: 'r-1', nodepoolId: 'np-1', versionId: 'v-2' }]);
  });

  it('calls two builds from the same rows the same, whatever the in-flight counts', () => {
    expect(sameParts(snapshotParts([pool], [placement({})]), snapshotParts([pool], [placement({ runnerInFlight: 9 })]))).toBe(true);
    expect(sameParts(snapshotParts([pool], [placement({})]), snapshotParts([pool], [placement({ runnerId: 'r-2' })]))).toBe(false);
  });
});

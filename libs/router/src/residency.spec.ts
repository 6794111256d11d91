import { describeRemovals, filterByResidency, residencyViolation } from './residency.js';
import { pool } from '../test/snapshot-fixtures.js';
import type { Candidate, ResidencyRules } from './types.js';

const eu = pool({ name: 'eu-saas', kind: 'SAAS', region: 'eu-west-1', jurisdiction: 'EU' });
const us = pool({ name: 'us-vpc', kind: 'VPC', region: 'us-east-1', jurisdiction: 'US' });
const onPrem = pool({ name: 'fra-dc', kind: 'ON_PREM', region: 'eu-central-1', jurisdiction: 'EU' });
const pools = new Map([eu, us, onPrem].map((p) => [p.id, p]));
const candidate = (nodepoolId: string, runnerId = `${nodepoolId}-r`): Candidate => ({ runnerId, nodepoolId, versionId: 'v1' });
const rules = (r: Partial<ResidencyRules>): ResidencyRules => ({ allowedJurisdictions: [], allowedRegions: [], allowedKinds: [], ...r });

describe('residency', () => {
  it('allows everything when the policy restricts nothing', () => {
    const sut = filterByResidency([candidate(eu.id), candidate(us.id)], pools, rules({}));
    expect(sut.eligible).toHaveLength(2);
    expect(sut.removed).toEqual([]);
  });

  it('keeps only the allowed jurisdictions and says which constraint removed the rest', () => {
    const sut = filterByResidency([candidate(eu.id), candidate(us.id, 'a'), candidate(us.id, 'b')], pools, rules({ allowedJurisdictions: ['EU'] }));
    expect(sut.eligible.map((c) => c.nodepoolId)).toEqual([eu.id]);
    expect(sut.removed).toEqual([{ nodepoolName: 'us-vpc', constraint: 'jurisdiction', value: 'US', allowed: ['EU'], candidates: 2 }]);
  });

  it('applies every dimension: an EU region that is not allowed is still removed', () => {
    const sut = filterByResidency([candidate(eu.id), candidate(onPrem.id)], pools, rules({ allowedJurisdictions: ['EU'], allowedRegions: ['eu-central-1'] }));
    expect(sut.eligible.map((c) => c.nodepoolId)).toEqual([onPrem.id]);
    expect(sut.removed[0]).toMatchObject({ nodepoolName: 'eu-saas', constraint: 'region', value: 'eu-west-1' });
  });

  it('"on-prem only" removes SaaS and VPC pools by kind', () => {
    const sut = filterByResidency([candidate(eu.id), candidate(us.id), candidate(onPrem.id)], pools, rules({ allowedKinds: ['ON_PREM'] }));
    expect(sut.eligible.map((c) => c.nodepoolId)).toEqual([onPrem.id]);
    expect(sut.removed.map((r) => [r.nodepoolName, r.constraint])).toEqual([
      ['eu-saas', 'kind'],
      ['us-vpc', 'kind'],
    ]);
  });

  it('fails closed on a nodepool missing from the snapshot', () => {
    expect(residencyViolation(undefined, rules({}))?.constraint).toBe('unknown-nodepool');
    const sut = filterByResidency([candidate('pool-ghost')], pools, rules({}));
    expect(sut.eligible).toEqual([]);
    expect(sut.removed[0]).toMatchObject({ constraint: 'unknown-nodepool', nodepoolName: 'pool-ghost' });
  });

  it('describes removals in one readable line', () => {
    const { removed } = filterByResidency([candidate(us.id), candidate('pool-ghost')], pools, rules({ allowedJurisdictions: ['EU', 'CH'] }));
    expect(describeRemovals(removed)).toBe('us-vpc: jurisdiction US not in [EU, CH] (1 candidate); pool-ghost: nodepool unknown (1 candidate)');
  });
});

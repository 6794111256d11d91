import { ErrorCode, isDomainError } from '@switchyard/protocol';
import { refusal, toDomainError } from './refusal.js';

const policy = { id: 'policy-7', serverName: 'weather' };

describe('refusals', () => {
  it('a residency refusal becomes NO_ELIGIBLE_RUNNER naming the policy and what was removed', () => {
    const removed = [{ nodepoolName: 'us', constraint: 'jurisdiction' as const, value: 'US', allowed: ['EU'], candidates: 2 }];
    const sut = toDomainError(refusal('RESIDENCY', policy, 'nothing in EU', removed));
    expect(isDomainError(sut)).toBe(true);
    expect(sut.code).toBe(ErrorCode.NO_ELIGIBLE_RUNNER);
    expect(sut.details).toEqual({ reason: 'RESIDENCY', policyId: 'policy-7', server: 'weather', removed });
  });

  it('a pinned session whose version is gone becomes NOT_FOUND (the gateway answers 404 for the session)', () => {
    expect(toDomainError(refusal('PINNED_VERSION_UNAVAILABLE', policy, 'gone')).code).toBe(ErrorCode.NOT_FOUND);
  });
});

import { DomainError, ErrorCode } from '@switchyard/protocol';
import { rejectionError } from '../relay/rejection-error.js';
import { verdictOfError } from './mcp-probe.js';

describe('verdictOfError', () => {
  it('counts AT_CAPACITY as alive: the runner is up and busy, and the probe must not take a client’s place', () => {
    expect(verdictOfError(rejectionError('r-1', { code: 'AT_CAPACITY', message: 'one session at a time' }))).toEqual({ kind: 'alive' });
  });

  it('records nothing for a placement the runner does not have yet or a runner that is draining', () => {
    expect(verdictOfError(rejectionError('r-1', { code: 'NOT_PLACED', message: 'not here' }))).toEqual({ kind: 'skipped', reason: 'NOT_PLACED' });
    expect(verdictOfError(rejectionError('r-1', { code: 'DRAINING', message: 'draining' }))).toEqual({ kind: 'skipped', reason: 'DRAINING' });
  });

  it('counts an upstream that is not running, an unreachable runner and anything else as dead', () => {
    expect(verdictOfError(rejectionError('r-1', { code: 'NOT_RUNNING', message: 'connect ECONNREFUSED' })).kind).toBe('dead');
    expect(verdictOfError(new DomainError(ErrorCode.UPSTREAM_FAILED, 'runner r-1 is not connected', { reason: 'NO_RESPONDERS' })).kind).toBe('dead');
    expect(verdictOfError(new Error('the probe session ended before the answer'))).toEqual({ kind: 'dead', reason: 'the probe session ended before the answer' });
  });
});

import fc from 'fast-check';
import { START_EXIT, startExitOf } from '../cli/start.command.js';
import { CREDENTIAL_REFUSAL_GRACE_MS, CredentialRefusalGrace, exitOnClose } from './credential-refusal.js';

const REFUSED = 'Authorization Violation';
/** What nats-server sends a client whose user JWT was revoked. */
const REVOKED = "'User Authentication Revoked'";

/** The runner's exit status after `refusals` (ms since the first) and the connection closing with `closeError`. */
function exitStatusAfter(sut: CredentialRefusalGrace, closeError: Error | undefined) {
  return startExitOf(exitOnClose(sut.refusal, closeError)).code;
}

describe('CredentialRefusalGrace', () => {
  it('does not stop on refusals that last less than the grace', () => {
    const sut = new CredentialRefusalGrace();

    const decisions = [0, 1_000, 2_500, 4_000, CREDENTIAL_REFUSAL_GRACE_MS - 1].map((at) => sut.refused(at, REFUSED));

    expect(decisions).toEqual([false, false, false, false, false]);
    expect(sut.refusal).toBeUndefined();
  });

  it('starts the grace again after a successful connection in between', () => {
    const sut = new CredentialRefusalGrace();
    for (const at of [0, 2_000, 4_000]) sut.refused(at, REFUSED);

    sut.connected();

    // 6 s after the first refusal, but only 2 s after the first one since the connection.
    expect(sut.refused(4_500, REFUSED)).toBe(false);
    expect(sut.refused(6_000, REFUSED)).toBe(false);
    expect(sut.refused(4_500 + CREDENTIAL_REFUSAL_GRACE_MS - 1, REFUSED)).toBe(false);
    expect(sut.refusal).toBeUndefined();
    expect(sut.refused(4_500 + CREDENTIAL_REFUSAL_GRACE_MS, REFUSED)).toBe(true);
  });

  it('stops with exit 3 (enroll again) once the refusals lasted the whole grace', () => {
    const sut = new CredentialRefusalGrace();

    const decisions = [0, 2_500, CREDENTIAL_REFUSAL_GRACE_MS, CREDENTIAL_REFUSAL_GRACE_MS + 1_000].map((at) => sut.refused(at, `${REFUSED} ${at}`));

    // Once: the agent closes the connection on the first verdict and on no later refusal.
    expect(decisions).toEqual([false, false, true, false]);
    expect(sut.refusal).toBe(`${REFUSED} ${CREDENTIAL_REFUSAL_GRACE_MS}`);
    // The agent closed the connection itself: nats.js reports no error for that close.
    expect(exitOnClose(sut.refusal, undefined)).toEqual({ reason: 'credentials-refused', message: `${REFUSED} ${CREDENTIAL_REFUSAL_GRACE_MS}` });
    expect(exitStatusAfter(sut, undefined)).toBe(START_EXIT.ENROLL);
    expect(START_EXIT.ENROLL).toBe(3);
  });

  it('takes its grace as a parameter', () => {
    const sut = new CredentialRefusalGrace(100);

    expect([0, 99, 100].map((at) => sut.refused(at, REFUSED))).toEqual([false, false, true]);
  });

  it('stops, over any refusal times without a connection, exactly once and only when they span the grace', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 * CREDENTIAL_REFUSAL_GRACE_MS }), { minLength: 1, maxLength: 30 }), (times) => {
        const sorted = [...times].sort((a, b) => a - b);
        const sut = new CredentialRefusalGrace();

        const stops = sorted.filter((at) => sut.refused(at, REFUSED)).length;

        expect(stops).toBe(sorted[sorted.length - 1]! - sorted[0]! >= CREDENTIAL_REFUSAL_GRACE_MS ? 1 : 0);
      }),
    );
  });
});

describe('exitOnClose', () => {
  it('ends a revoked runner with exit 3 even when the close came before the grace was over', () => {
    const sut = new CredentialRefusalGrace();
    sut.refused(0, REVOKED);

    expect(exitOnClose(sut.refusal, new Error(REVOKED))).toEqual({ reason: 'credentials-refused', message: REVOKED });
    expect(exitStatusAfter(sut, new Error(REVOKED))).toBe(START_EXIT.ENROLL);
  });

  it('ends a runner revoked for the whole grace with exit 3', () => {
    const sut = new CredentialRefusalGrace();
    for (const at of [0, 1_000, 3_000, CREDENTIAL_REFUSAL_GRACE_MS]) sut.refused(at, REVOKED);

    expect(exitStatusAfter(sut, undefined)).toBe(START_EXIT.ENROLL);
  });

  it('ends with exit 1, not 3, when the connection closed for another reason', () => {
    const sut = new CredentialRefusalGrace();
    sut.refused(0, REFUSED); // refused for a moment only, then the connection closed otherwise

    expect(exitOnClose(sut.refusal, new Error('connection refused'))).toEqual({ reason: 'connection-closed', message: 'connection refused' });
    expect(exitStatusAfter(sut, new Error('connection refused'))).toBe(START_EXIT.FAILED);
    expect(exitOnClose(undefined, undefined)).toEqual({ reason: 'connection-closed', message: 'connection closed' });
  });
});

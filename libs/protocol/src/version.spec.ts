import { DomainError, ErrorCode } from './errors.js';
import {
  ACCEPTED_RUNNER_PROTOCOL_VERSIONS,
  acceptedProtocolVersions,
  assertSupportedVersion,
  isSupportedVersion,
  RUNNER_PROTOCOL_VERSION,
} from './version.js';

function errorOf(work: () => unknown): DomainError {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('runner protocol version', () => {
  it('is 1 today, and 1 has no predecessor to accept', () => {
    expect(RUNNER_PROTOCOL_VERSION).toBe(1);
    expect(ACCEPTED_RUNNER_PROTOCOL_VERSIONS).toEqual([1]);
  });

  it('accepts the current and the previous version once bumped', () => {
    expect(acceptedProtocolVersions(2)).toEqual([1, 2]);
    expect(acceptedProtocolVersions(7)).toEqual([6, 7]);
  });

  it('returns a supported version', () => {
    expect(assertSupportedVersion(1)).toBe(1);
    expect(assertSupportedVersion(1, acceptedProtocolVersions(2))).toBe(1);
    expect(isSupportedVersion('1')).toBe(false);
  });

  it("names the runner's version and the accepted ones, and tells an old runner to upgrade", () => {
    const error = errorOf(() => assertSupportedVersion(0));
    expect(error.code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(error.message).toBe('runner protocol version 0 is not supported: this control plane accepts 1 (upgrade switchyard-runner)');
    expect(error.details).toEqual({ runnerVersion: 0, acceptedVersions: [1] });
  });

  it('lists both versions after a bump and points a newer runner at the control plane', () => {
    const error = errorOf(() => assertSupportedVersion(3, acceptedProtocolVersions(2)));
    expect(error.message).toBe('runner protocol version 3 is not supported: this control plane accepts 1 and 2 (upgrade the control plane)');
  });

  it.each([
    [undefined, 'message carries no runner protocol version (v): this control plane accepts 1'],
    ['1', 'runner protocol version "1" is not supported: this control plane accepts 1'],
    [1.5, 'runner protocol version 1.5 is not supported: this control plane accepts 1'],
  ])('refuses %j', (v, message) => {
    expect(errorOf(() => assertSupportedVersion(v)).message).toBe(message);
  });
});

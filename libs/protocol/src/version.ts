import { DomainError, ErrorCode } from './errors.js';

/**
 * The runner protocol version this build speaks, carried as `v` in every message. Bump it for any
 * change an older peer cannot read: a new required field, a removed field, a narrowed type, a new
 * enum value. Adding an optional field is not a bump: message schemas strip keys they do not know,
 * so an older reader ignores it.
 */
export const RUNNER_PROTOCOL_VERSION = 1;

/**
 * The versions accepted by a peer that speaks `current`: the current one and the one before it, so
 * a fleet of runners can be upgraded after the control plane rather than in the same instant.
 * Version 1 has no predecessor.
 */
export function acceptedProtocolVersions(current: number): readonly number[] {
  return current > 1 ? [current - 1, current] : [current];
}

export const ACCEPTED_RUNNER_PROTOCOL_VERSIONS: readonly number[] = acceptedProtocolVersions(RUNNER_PROTOCOL_VERSION);

export function isSupportedVersion(v: unknown, accepted: readonly number[] = ACCEPTED_RUNNER_PROTOCOL_VERSIONS): v is number {
  return typeof v === 'number' && accepted.includes(v);
}

function listed(versions: readonly number[]): string {
  return versions.length > 1 ? `${versions.slice(0, -1).join(', ')} and ${versions[versions.length - 1]}` : `${versions[0]}`;
}

function shown(v: unknown): string {
  const text = typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** The one wording of a version mismatch, naming both sides and who should upgrade. */
export function unsupportedVersionMessage(v: unknown, accepted: readonly number[] = ACCEPTED_RUNNER_PROTOCOL_VERSIONS): string {
  const accepts = `this control plane accepts ${listed(accepted)}`;
  if (v === undefined || v === null) return `message carries no runner protocol version (v): ${accepts}`;
  // Advice only for a real version number; a malformed `v` is a bug, not an old or new runner.
  const isVersion = typeof v === 'number' && Number.isInteger(v);
  const advice =
    isVersion && v < Math.min(...accepted)
      ? ' (upgrade switchyard-runner)'
      : isVersion && v > Math.max(...accepted)
        ? ' (upgrade the control plane)'
        : '';
  return `runner protocol version ${shown(v)} is not supported: ${accepts}${advice}`;
}

/** Returns `v` when accepted; otherwise throws PROTOCOL_ERROR naming the runner's and the accepted versions. */
export function assertSupportedVersion(v: unknown, accepted: readonly number[] = ACCEPTED_RUNNER_PROTOCOL_VERSIONS): number {
  if (isSupportedVersion(v, accepted)) return v;
  throw new DomainError(ErrorCode.PROTOCOL_ERROR, unsupportedVersionMessage(v, accepted), {
    runnerVersion: typeof v === 'number' ? v : null,
    acceptedVersions: [...accepted],
  });
}

import { ErrorCode, isDomainError } from '@switchyard/protocol';
import type { ServerSupervisor } from '../supervisor/server-supervisor.js';
import { rejected } from './ack.js';
import type { Claim } from './runner-session.js';

/** What the relay needs of the supervisor (a narrow seam, so tests can stand in for it). */
export type UpstreamSource = Pick<ServerSupervisor, 'connectionFor' | 'status'>;

/**
 * Claims the upstream connection for a new session, or says why not in the ack's vocabulary.
 * The version is checked too: a session is pinned to the version the router chose, and a runner
 * that has since been given another version of the deployment must not serve it silently.
 */
export async function claimUpstream(source: UpstreamSource, deploymentId: string, versionId: string): Promise<Claim> {
  const placed = source.status().find((server) => server.deploymentId === deploymentId);
  if (placed === undefined) return rejected('NOT_PLACED', `deployment ${deploymentId} is not placed on this runner`);
  if (placed.versionId !== versionId) {
    return rejected('NOT_PLACED', `deployment ${deploymentId} runs version ${placed.versionId} on this runner, not ${versionId}`);
  }
  try {
    return await source.connectionFor(deploymentId);
  } catch (error) {
    const message = (error as Error).message;
    if (!isDomainError(error)) return rejected('NOT_RUNNING', message);
    switch (error.code) {
      case ErrorCode.NOT_FOUND:
        return rejected('NOT_PLACED', message);
      case ErrorCode.CONFLICT:
        // A stdio process serves one MCP session at a time (one stdin, one initialize).
        return rejected('AT_CAPACITY', `${message}: a stdio server serves one session at a time`);
      default:
        return rejected('NOT_RUNNING', message);
    }
  }
}

import type { UpstreamTransport } from './placement.js';

/**
 * STARTING: checking the artifact and spawning (or waiting for the first health check).
 * RUNNING: process up (STDIO) or health check passing (STREAMABLE_HTTP).
 * BACKOFF: went down; the next attempt is scheduled.
 * STOPPED: no longer placed (or the runner is shutting down).
 * FAILED: refused to start (integrity mismatch, command not found, missing secret, non-local
 * URL); no retry until the control plane places it again.
 */
export type ServerState = 'STARTING' | 'RUNNING' | 'BACKOFF' | 'STOPPED' | 'FAILED';

/** One placed server as the heartbeat reports it. */
export interface ServerStatus {
  deploymentId: string;
  versionId: string;
  serverName: string;
  transport: UpstreamTransport;
  state: ServerState;
  /** Times the server entered BACKOFF: a crash, a failed spawn, a failed health check. */
  restarts: number;
  /** Why it is FAILED, or how it last went down. Never contains secret values. */
  reason: string | null;
  /** STDIO: the child's pid while it runs. */
  pid: number | null;
  /** When `state` was entered (ms since the epoch, from the injected clock). */
  since: number;
}

import type { Logger } from 'pino';
import type { BackoffPolicy } from './backoff.js';
import type { Clock, Rng } from './clock.js';
import type { Placement } from './placement.js';
import type { ServerState, ServerStatus } from './server-status.js';
import type { UpstreamConnection } from './upstream-connection.js';

/** What every supervised server shares with the supervisor that owns it. */
export interface SupervisionContext {
  logger: Logger;
  clock: Clock;
  rng: Rng;
  backoff: BackoffPolicy;
  /** Called on every state change (the heartbeat and tests listen). */
  onChange(status: ServerStatus): void;
}

/** One placed server version, kept in its desired state by its own loop. */
export interface SupervisedServer {
  readonly placement: Placement;
  /** First launch; resolves once the first attempt has settled (RUNNING, BACKOFF or FAILED). */
  start(): Promise<void>;
  /** Stops for good (no restart); resolves when it is down. */
  stop(): Promise<void>;
  status(): ServerStatus;
  connect(): Promise<UpstreamConnection>;
}

/** State, restart count and change notification: the bookkeeping both kinds of server share. */
export class StatusBook {
  private current: ServerStatus;

  constructor(
    placement: Placement,
    private readonly context: SupervisionContext,
  ) {
    this.current = {
      deploymentId: placement.deploymentId,
      versionId: placement.versionId,
      serverName: placement.serverName,
      transport: placement.launch.transport,
      state: 'STARTING',
      restarts: 0,
      reason: null,
      pid: null,
      since: context.clock.now(),
    };
  }

  get state(): ServerState {
    return this.current.state;
  }

  snapshot(): ServerStatus {
    return { ...this.current };
  }

  set(state: ServerState, changes: Partial<Pick<ServerStatus, 'reason' | 'pid' | 'restarts'>> = {}): void {
    const stateChanged = state !== this.current.state;
    this.current = { ...this.current, ...changes, state, since: stateChanged ? this.context.clock.now() : this.current.since };
    this.context.onChange(this.snapshot());
  }
}

/** What the pool needs of a session: whether it still works, and how to end it. */
export interface PoolableSession {
  readonly isOpen: boolean;
  close(reason: string): void;
}

/** A session lent to one call; `release` once the call is done with it. */
export interface Lease<S> {
  session: S;
  /** True when the session is shared with other calls (and outlives this one). */
  pooled: boolean;
  release(): void;
}

interface Entry<S> {
  session: S;
  inFlight: number;
  idleTimer?: NodeJS.Timeout;
}

/**
 * Initialized upstream sessions kept per server for the versions whose operator declared them
 * stateless, so a call does not pay `initialize` again: one session per server, shared by the
 * calls that arrive while it is open (MCP multiplexes requests by id), closed after `idleMs`
 * without calls. Sessions of stateful versions are never shared: each call gets its own and it
 * is closed when the call is done.
 */
export class UpstreamPool<S extends PoolableSession> {
  private readonly pooled = new Map<string, Entry<S>>();
  private readonly opening = new Map<string, Promise<{ session: S; shareable: boolean }>>();

  constructor(
    private readonly idleMs: number,
    /** Opens a new session of the server and says whether its version may be shared. */
    private readonly open: (serverName: string, deadline?: Date) => Promise<{ session: S; shareable: boolean }>,
  ) {}

  get size(): number {
    return this.pooled.size;
  }

  async acquire(serverName: string, deadline?: Date): Promise<Lease<S>> {
    const existing = this.pooled.get(serverName);
    if (existing !== undefined && existing.session.isOpen) return this.lend(serverName, existing);
    if (existing !== undefined) this.drop(serverName, existing);
    // Calls that arrive while a session is being opened wait for it rather than open their own
    // (a stdio server would refuse a second session): shared if its version allows, else not.
    const opening = this.opening.get(serverName);
    if (opening !== undefined) {
      const opened = await opening.catch(() => undefined);
      const entry = this.pooled.get(serverName);
      if (opened?.shareable === true && entry !== undefined && entry.session.isOpen) return this.lend(serverName, entry);
    }
    const attempt = this.open(serverName, deadline);
    this.opening.set(serverName, attempt);
    let opened: { session: S; shareable: boolean };
    try {
      opened = await attempt;
    } finally {
      if (this.opening.get(serverName) === attempt) this.opening.delete(serverName);
    }
    const { session, shareable } = opened;
    const raced = this.pooled.get(serverName);
    // Another call opened one meanwhile: this one stays private to its call.
    if (!shareable || (raced !== undefined && raced.session.isOpen)) return { session, pooled: false, release: () => session.close('the gRPC call ended') };
    const entry: Entry<S> = { session, inFlight: 0 };
    this.pooled.set(serverName, entry);
    return this.lend(serverName, entry);
  }

  /** Closes every pooled session (shutdown). */
  closeAll(reason: string): void {
    for (const [serverName, entry] of this.pooled) {
      this.drop(serverName, entry);
      entry.session.close(reason);
    }
  }

  private lend(serverName: string, entry: Entry<S>): Lease<S> {
    clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    entry.inFlight += 1;
    let released = false;
    return {
      session: entry.session,
      pooled: true,
      release: () => {
        if (released) return;
        released = true;
        entry.inFlight -= 1;
        if (entry.inFlight > 0) return;
        if (!entry.session.isOpen) return this.drop(serverName, entry);
        entry.idleTimer = setTimeout(() => {
          if (entry.inFlight > 0) return;
          this.drop(serverName, entry);
          entry.session.close('idle in the gRPC ToolGateway pool');
        }, this.idleMs);
        entry.idleTimer.unref();
      },
    };
  }

  private drop(serverName: string, entry: Entry<S>): void {
    clearTimeout(entry.idleTimer);
    if (this.pooled.get(serverName) === entry) this.pooled.delete(serverName);
  }
}

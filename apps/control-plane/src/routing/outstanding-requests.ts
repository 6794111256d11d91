import { Injectable } from '@nestjs/common';

/**
 * Calls this replica has in flight per runner: added to the runner's heartbeat `inFlight` for the
 * router's least-outstanding choice. Memory only — it changes on every call and is a tie-breaker.
 */
@Injectable()
export class OutstandingRequests {
  private readonly counts = new Map<string, number>();

  started(runnerId: string): void {
    this.counts.set(runnerId, (this.counts.get(runnerId) ?? 0) + 1);
  }

  finished(runnerId: string): void {
    const left = (this.counts.get(runnerId) ?? 0) - 1;
    if (left > 0) this.counts.set(runnerId, left);
    else this.counts.delete(runnerId);
  }

  of(runnerId: string): number {
    return this.counts.get(runnerId) ?? 0;
  }
}

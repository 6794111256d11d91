import { Injectable } from '@nestjs/common';

/**
 * News, in this process, of an API key this replica changed (updated, revoked, deleted), for code
 * that must react at once rather than at its next look at the database — the MCP gateway passes
 * it on to every replica (docs/gateway.md, "Keys and servers changing under a session"). Told after
 * the change is committed.
 */
@Injectable()
export class ApiKeyChanges {
  private readonly listeners = new Set<(keyId: string) => void>();

  /** Calls `listener` with the id of every key changed from now on; returns the unsubscribe. */
  onChange(listener: (keyId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(keyId: string): void {
    for (const listener of this.listeners) {
      try {
        listener(keyId);
      } catch {
        // A listener's trouble is its own: the change is committed, and the others still hear it.
      }
    }
  }
}

import { DomainError, ErrorCode } from '@switchyard/protocol';

/**
 * Restores the order of a session's upstream messages by their `seq` (0, 1, 2, … per session).
 * NATS keeps one publisher's order on one connection, so this rarely holds anything back; it
 * matters across a reconnect, and it drops repeats. Pure: the caller decides how long a gap may
 * last (a message NATS lost never arrives, see `waiting`).
 */
export class SeqReorder<T> {
  private next = 0;
  private readonly held = new Map<number, T>();

  constructor(private readonly maxHeld = 1_000) {}

  /** The seq the session waits for. */
  get expected(): number {
    return this.next;
  }

  /** Messages held back behind a gap. */
  get waiting(): number {
    return this.held.size;
  }

  /**
   * The items that are now in order (this one first if it was the next, then any it unblocks);
   * none for a repeat or an item that must wait. PROTOCOL_ERROR when more than maxHeld wait:
   * the gap will not close and memory must stay bounded.
   */
  accept(seq: number, item: T): T[] {
    if (seq < this.next || this.held.has(seq)) return [];
    if (seq > this.next) {
      if (this.held.size >= this.maxHeld) {
        throw new DomainError(ErrorCode.PROTOCOL_ERROR, `upstream message ${this.next} is missing and ${this.held.size} later ones are waiting`);
      }
      this.held.set(seq, item);
      return [];
    }
    const ready = [item];
    this.next += 1;
    for (let held = this.held.get(this.next); held !== undefined; held = this.held.get(this.next)) {
      this.held.delete(this.next);
      ready.push(held);
      this.next += 1;
    }
    return ready;
  }
}

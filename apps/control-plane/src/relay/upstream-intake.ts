import {
  ChunkAssembler,
  decode,
  decodeChunkFrame,
  isChunkFrame,
  parseRunnerSubject,
  upstreamMessageSchema,
  type UpstreamMessage,
} from '@switchyard/protocol';

/** Why an inbound message on `sy.cp.*.msg` was dropped (the relay counts each). */
export type DropReason = 'forged' | 'not-here' | 'invalid' | 'chunk-error';

export type Intake =
  | { kind: 'message'; runnerId: string; message: UpstreamMessage }
  /** A chunk frame that does not complete its message yet. */
  | { kind: 'partial' }
  | { kind: 'dropped'; reason: DropReason; runnerId?: string; detail?: string };

/**
 * Turns what arrives on `sy.cp.*.msg` into upstream messages with their sender. The sender is the
 * runner named in the SUBJECT — the server lets a runner publish only under its own
 * `sy.cp.<id>.>` — never anything in the body. Chunk frames are reassembled with one assembler per
 * runner (ids are the sender's choice: a shared assembler would let one runner write into another's
 * stream), and only for runners that have a session on this replica: everyone else's large
 * messages are another replica's business.
 */
export class UpstreamIntake {
  private readonly assemblers = new Map<string, ChunkAssembler>();

  constructor(private readonly hasSessionsOf: (runnerId: string) => boolean) {}

  take(subject: string, data: Uint8Array, now: number): Intake {
    const from = parseRunnerSubject(subject);
    if (from === undefined || from.kind !== 'msg') return { kind: 'dropped', reason: 'invalid', detail: 'not a runner message subject' };
    const { runnerId } = from;
    let bytes = data;
    if (isChunkFrame(data)) {
      if (!this.hasSessionsOf(runnerId)) return { kind: 'dropped', reason: 'not-here', runnerId };
      try {
        const assembler = this.assemblerOf(runnerId);
        assembler.evictStale(now);
        const whole = assembler.add(decodeChunkFrame(data), now);
        if (whole === undefined) return { kind: 'partial' };
        bytes = whole;
      } catch (error) {
        return { kind: 'dropped', reason: 'chunk-error', runnerId, detail: (error as Error).message };
      }
    }
    try {
      return { kind: 'message', runnerId, message: decode(upstreamMessageSchema, bytes) };
    } catch (error) {
      return { kind: 'dropped', reason: 'invalid', runnerId, detail: (error as Error).message };
    }
  }

  /** Drops a runner's half-assembled messages (it was lost, or this replica holds none of its sessions any more). */
  forgetRunner(runnerId: string): void {
    this.assemblers.delete(runnerId);
  }

  private assemblerOf(runnerId: string): ChunkAssembler {
    let assembler = this.assemblers.get(runnerId);
    if (assembler === undefined) {
      assembler = new ChunkAssembler();
      this.assemblers.set(runnerId, assembler);
    }
    return assembler;
  }
}

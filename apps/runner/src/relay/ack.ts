import type { CallAck } from '@switchyard/protocol';

type Rejected = Extract<CallAck, { status: 'rejected' }>;

/** Why the runner refused a call (the codes of callAckSchema). */
export type RejectionCode = Rejected['error']['code'];

/** The runner's answer to one call, before the envelope (v, callId) is added. */
export type AckDecision = { status: 'accepted' } | Omit<Rejected, 'v' | 'callId'>;

export const ACCEPTED: AckDecision = { status: 'accepted' };

export function rejected(code: RejectionCode, message: string): AckDecision {
  return { status: 'rejected', error: { code, message } };
}

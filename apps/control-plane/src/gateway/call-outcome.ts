import type { ToolCallOutcome } from '@switchyard/db';
import type { JsonRpcMessage } from '@switchyard/protocol';
import type { RelayEvent } from '../relay/relay-session.js';

export interface CallOutcome {
  outcome: ToolCallOutcome;
  errorCode: string | null;
}

type CallFailure = Extract<RelayEvent, { type: 'call-failed' }>['code'];

/**
 * How a tools/call ended, from its JSON-RPC answer: a result with `isError` is the tool saying no
 * (TOOL_ERROR, still a well-formed answer); an error response is the protocol saying no
 * (RPC_ERROR, with the JSON-RPC code).
 */
export function outcomeOfAnswer(answer: JsonRpcMessage): CallOutcome {
  if ('error' in answer) return { outcome: 'RPC_ERROR', errorCode: String(answer.error.code) };
  if ('result' in answer && answer.result.isError === true) return { outcome: 'TOOL_ERROR', errorCode: null };
  return { outcome: 'OK', errorCode: null };
}

/** The runner gave up on the call: cancelled on purpose, or cut off (the server died, bad output…). */
export function outcomeOfFailure(code: CallFailure): CallOutcome {
  return code === 'CANCELLED' ? { outcome: 'CANCELLED', errorCode: code } : { outcome: 'INTERRUPTED', errorCode: code };
}

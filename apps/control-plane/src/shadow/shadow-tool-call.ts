// One tools/call over a relay session of its own, as a client that offers nothing: the shadow
// client declares no capability (no sampling, no elicitation, no roots) and answers every
// server → client request with an error, since there is no user or model behind a mirrored call to
// answer it. Progress and other notifications are dropped: nobody is waiting for them.
import { randomUUID } from 'node:crypto';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { DomainError, ErrorCode, type JsonRpcMessage } from '@switchyard/protocol';
import { outcomeOfAnswer, outcomeOfFailure, type CallOutcome } from '../gateway/call-outcome.js';
import type { RelayEvent } from '../relay/relay-session.js';
import type { RunnerRelay } from '../relay/runner-relay.js';

export interface ShadowTarget {
  runnerId: string;
  deploymentId: string;
  versionId: string;
}

export type ShadowAnswer = Extract<JsonRpcMessage, { result: unknown } | { error: unknown }>;

export interface ShadowCallOutcome extends CallOutcome {
  /** The JSON-RPC answer to the tools/call, when one came. */
  answer?: ShadowAnswer;
  /** Server → client requests (sampling, elicitation, roots…) the shadow client refused. */
  declinedClientRequests: number;
}

/** JSON-RPC "method not found": what a client without the capability answers (MCP spec, capabilities). */
const DECLINED_CODE = -32601;
const CALL_ID = 'switchyard-shadow-call';
const INIT_ID = 'switchyard-shadow-init';

/**
 * Runs `tools/call` once on `target`. `dispatching` runs just before the call goes out (the audit
 * row), with the call id the runner will know it by. Never throws for what the upstream does: a
 * failure is an outcome; throws only when the session could not be opened (`beforeDispatch`: true
 * on the error's details then, nothing was executed).
 */
export async function shadowToolCall(
  relay: RunnerRelay,
  target: ShadowTarget,
  call: { tool: string; arguments: unknown; timeoutMs: number; dispatching: (callId: string) => Promise<void> },
): Promise<ShadowCallOutcome> {
  const session = relay.openSession(target.runnerId, { sessionId: randomUUID(), deploymentId: target.deploymentId, versionId: target.versionId });
  const events = session.messages[Symbol.asyncIterator]();
  const callId = randomUUID();
  let declinedClientRequests = 0;
  let dispatched = false;

  const answerTo = async (id: string): Promise<ShadowAnswer | { failed: Extract<RelayEvent, { type: 'call-failed' }> }> => {
    for (;;) {
      const next = await events.next();
      if (next.done) throw new DomainError(ErrorCode.UPSTREAM_FAILED, 'the shadow session ended before the answer');
      const event = next.value;
      if (event.type === 'call-failed') {
        if (event.callId === callId) return { failed: event };
        continue;
      }
      const message = event.message;
      if ('method' in message && 'id' in message && message.id !== undefined) {
        declinedClientRequests += 1;
        await session.send({ jsonrpc: '2.0', id: message.id, error: { code: DECLINED_CODE, message: 'Switchyard shadow traffic: the client declines sampling, elicitation and every other request' } });
        continue;
      }
      if (!('method' in message) && 'id' in message && message.id === id) return message as ShadowAnswer;
    }
  };

  const exchange = async (): Promise<ShadowCallOutcome> => {
    try {
      await session.send({ jsonrpc: '2.0', id: INIT_ID, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'switchyard-shadow', version: '1' } } });
      const init = await answerTo(INIT_ID);
      if ('failed' in init || 'error' in init) throw new DomainError(ErrorCode.UPSTREAM_FAILED, 'the shadow session was not initialized');
      await session.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    } catch (error) {
      throw notExecuted(error);
    }
    await call.dispatching(callId);
    dispatched = true;
    try {
      await session.send({ jsonrpc: '2.0', id: CALL_ID, method: 'tools/call', params: { name: call.tool, arguments: call.arguments ?? {} } }, { callId });
    } catch (error) {
      return { outcome: 'INTERRUPTED', errorCode: (error as DomainError).code ?? ErrorCode.UPSTREAM_FAILED, declinedClientRequests };
    }
    const answer = await answerTo(CALL_ID);
    if ('failed' in answer) return { ...outcomeOfFailure(answer.failed.code), declinedClientRequests };
    return { ...outcomeOfAnswer(answer), answer, declinedClientRequests };
  };

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), call.timeoutMs)));
  try {
    const result = await Promise.race([exchange(), timeout]);
    if (result !== 'timeout') return result;
    if (!dispatched) throw notExecuted(new DomainError(ErrorCode.UPSTREAM_FAILED, `no shadow session within ${call.timeoutMs} ms`));
    if (session.isOpen) session.cancel(callId, 'shadow call timed out');
    return { outcome: 'TIMEOUT', errorCode: 'SHADOW_TIMEOUT', declinedClientRequests };
  } catch (error) {
    if (!dispatched) throw notExecuted(error);
    return { outcome: 'INTERRUPTED', errorCode: (error as DomainError).code ?? ErrorCode.UPSTREAM_FAILED, declinedClientRequests };
  } finally {
    clearTimeout(timer);
    session.close('shadow call done');
  }
}

function notExecuted(error: unknown): DomainError {
  const failure = error instanceof DomainError ? error : new DomainError(ErrorCode.UPSTREAM_FAILED, (error as Error).message);
  return new DomainError(failure.code, failure.message, { ...failure.details, beforeDispatch: true });
}

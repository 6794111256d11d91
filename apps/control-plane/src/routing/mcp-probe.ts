// One active probe: an MCP session through the relay to one placement — initialize, ping, close —
// as a client would open one, so it checks the runner, its NATS link, the supervisor and the
// upstream server together.
import { randomUUID } from 'node:crypto';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { isDomainError, type JsonRpcMessage } from '@switchyard/protocol';
import type { RelayEvent } from '../relay/relay-session.js';
import type { RunnerRelay } from '../relay/runner-relay.js';

export interface ProbeTarget {
  runnerId: string;
  deploymentId: string;
  versionId: string;
}

/**
 * - `alive`: the upstream answered ping; or the runner refused with AT_CAPACITY (it is up and busy
 *   serving sessions: that is not a health problem, and the probe must not take a client's place).
 * - `dead`: no answer, an error answer, the runner unreachable, or the upstream not running.
 * - `skipped`: the runner does not (yet, or any more) have the placement, or is draining — says
 *   nothing about health.
 */
export type ProbeVerdict = { kind: 'alive' } | { kind: 'dead'; reason: string } | { kind: 'skipped'; reason: string };

const SKIP_REJECTIONS = new Set(['NOT_PLACED', 'DRAINING']);

export async function probeWithPing(relay: RunnerRelay, target: ProbeTarget, timeoutMs: number): Promise<ProbeVerdict> {
  const session = relay.openSession(target.runnerId, { sessionId: randomUUID(), deploymentId: target.deploymentId, versionId: target.versionId });
  const answers = session.messages[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeVerdict>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'dead', reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  const exchange = async (): Promise<ProbeVerdict> => {
    await session.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'switchyard-probe', version: '1' } } });
    const init = await answerTo(answers, 1);
    if ('error' in init) return { kind: 'dead', reason: `initialize failed: ${init.error.message}` };
    await session.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await session.send({ jsonrpc: '2.0', id: 2, method: 'ping' });
    const pong = await answerTo(answers, 2);
    return 'error' in pong ? { kind: 'dead', reason: `ping failed: ${pong.error.message}` } : { kind: 'alive' };
  };
  try {
    return await Promise.race([exchange().catch(verdictOfError), timeout]);
  } finally {
    clearTimeout(timer);
    session.close('probe done');
  }
}

type Answer = Extract<JsonRpcMessage, { result: unknown } | { error: unknown }>;

async function answerTo(events: AsyncIterator<RelayEvent>, id: number): Promise<Answer> {
  for (;;) {
    const next = await events.next();
    if (next.done) throw new Error('the probe session ended before the answer');
    const event = next.value;
    if (event.type === 'call-failed') throw new Error(`${event.code}: ${event.message}`);
    const message = event.message;
    if (!('method' in message) && 'id' in message && message.id === id) return message as Answer;
  }
}

/** A probe that threw: the runner's refusal code decides, anything else is a dead upstream. */
export function verdictOfError(error: unknown): ProbeVerdict {
  const rejection = isDomainError(error) ? error.details.rejection : undefined;
  if (rejection === 'AT_CAPACITY') return { kind: 'alive' };
  if (typeof rejection === 'string' && SKIP_REJECTIONS.has(rejection)) return { kind: 'skipped', reason: rejection };
  return { kind: 'dead', reason: (error as Error).message };
}

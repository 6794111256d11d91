import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import { argumentsHmac } from './arguments-hmac.js';
import type { SessionRecord } from './session-record.js';
import type { ToolCallStart } from './tool-invocations.repository.js';

/**
 * The audit row of a tool call as it starts: a fresh call id (also the relay's), where the session
 * runs (when there is one), and the arguments only as their HMAC.
 */
export function toolCallStart(call: {
  principal: Principal;
  serverName: string;
  tool: string;
  args: unknown;
  hmacKey: Buffer;
  record?: SessionRecord;
  sessionId?: string | null;
  now?: Date;
}): ToolCallStart {
  const { record } = call;
  return {
    callId: randomUUID(),
    apiKeyId: call.principal.keyId,
    sessionId: record?.sessionId ?? call.sessionId ?? null,
    serverName: call.serverName,
    versionId: record?.versionId ?? null,
    runnerId: record?.runnerId ?? null,
    nodepoolId: record?.nodepoolId ?? null,
    rolloutId: record?.rolloutId ?? null,
    arm: record?.versionId ?? null,
    propensity: record?.propensity ?? null,
    tool: call.tool,
    argumentsHmac: argumentsHmac(call.hmacKey, call.args),
    startedAt: call.now ?? new Date(),
  };
}

import { randomBytes } from 'node:crypto';
import { ApiKeyRole } from '@switchyard/db';
import { argumentsHmac } from './arguments-hmac.js';
import type { SessionRecord } from './session-record.js';
import { toolCallStart } from './tool-call-start.js';

const principal = { keyId: 'key-1', name: 'agent', role: ApiKeyRole.AGENT, scopes: ['mcp:call'], allowedServers: [], allowedTools: [] };
const record: SessionRecord = {
  sessionId: 's-1',
  serverName: 'everything',
  versionId: 'v-1',
  deploymentId: 'd-1',
  runnerId: 'r-1',
  nodepoolId: 'n-1',
  apiKeyId: 'key-1',
  protocolVersion: '2025-11-25',
  replicaId: 'cp-1',
  createdAt: '2026-01-01T00:00:00.000Z',
  rolloutId: 'ro-1',
  propensity: 0.25,
};

describe('toolCallStart', () => {
  const hmacKey = randomBytes(32);
  const now = new Date('2026-02-03T04:05:06.000Z');

  it('names where the session runs and keeps the arguments only as their HMAC', () => {
    const sut = toolCallStart({ principal, serverName: 'everything', tool: 'echo', args: { message: 'secret' }, hmacKey, record, now });

    expect(sut).toEqual({
      callId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      apiKeyId: 'key-1',
      sessionId: 's-1',
      serverName: 'everything',
      versionId: 'v-1',
      runnerId: 'r-1',
      nodepoolId: 'n-1',
      // The router's assignment: the rollout, the arm (version) and its propensity.
      rolloutId: 'ro-1',
      arm: 'v-1',
      propensity: 0.25,
      tool: 'echo',
      argumentsHmac: argumentsHmac(hmacKey, { message: 'secret' }),
      startedAt: now,
    });
    expect(JSON.stringify(sut)).not.toContain('secret');
  });

  it('leaves the placement empty for a call refused before any session, and gives each call its own id', () => {
    const a = toolCallStart({ principal, serverName: 'other', tool: 'echo', args: undefined, hmacKey, sessionId: 'claimed', now });
    const b = toolCallStart({ principal, serverName: 'other', tool: 'echo', args: undefined, hmacKey, now });

    expect(a).toMatchObject({ sessionId: 'claimed', versionId: null, runnerId: null, nodepoolId: null });
    expect(b.sessionId).toBeNull();
    expect(a.callId).not.toBe(b.callId);
  });
});

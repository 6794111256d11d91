// EventLog against the test run's real redis-server: what a resume reads back is what Redis holds,
// so a fake would test nothing. Every test uses its own session id.
import { randomUUID } from 'node:crypto';
import { testEnv } from '@switchyard/devstack/testing';
import type { JsonRpcMessage } from '@switchyard/protocol';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { ControlPlaneConfig } from '../config/config.js';
import { EventLog } from './event-log.js';

const config = { mcp: { sessionIdleSeconds: 600 } } as unknown as ControlPlaneConfig;
const answer = (id: number): JsonRpcMessage => ({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: `answer ${id}` }] } }) as JsonRpcMessage;
const progress = (n: number): JsonRpcMessage => ({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: n } }) as JsonRpcMessage;

describe('EventLog', () => {
  let redis: Redis;
  let log: EventLog;

  beforeAll(() => {
    redis = new Redis(testEnv().redisUrl, { enableAutoPipelining: true });
    log = new EventLog(redis, config, pino({ level: 'silent' }));
  });

  afterAll(() => {
    log.onApplicationShutdown();
    redis.disconnect();
  });

  it('reads back the events after a seq, in order, and whether the stream ended', async () => {
    const sessionId = randomUUID();
    log.append(sessionId, 's1', 1, progress(1));
    log.append(sessionId, 's1', 2, progress(2));
    log.append(sessionId, 's1', 3, answer(7));
    log.append(sessionId, 's1', 4, null);

    // Read in the same tick as the appends: the read sends them first.
    expect(await log.readAfter(sessionId, 's1', 1)).toEqual({ events: [{ seq: 2, message: progress(2) }, { seq: 3, message: answer(7) }], ended: true });
    expect(await log.readAfter(sessionId, 's1', 3)).toEqual({ events: [], ended: true });
  });

  it('stores an answer and its end marker made together as one entry, and a live stream as open', async () => {
    const sessionId = randomUUID();
    log.append(sessionId, 'post', 1, answer(1));
    log.append(sessionId, 'post', 2, null);
    log.append(sessionId, 'get', 1, progress(1));
    await new Promise((resolve) => setImmediate(resolve));

    expect(await redis.xlen(`sy:gw:ev:${sessionId}:post`)).toBe(1);
    expect(await log.readAfter(sessionId, 'post', 0)).toEqual({ events: [{ seq: 1, message: answer(1) }], ended: true });
    expect(await log.readAfter(sessionId, 'get', 0)).toEqual({ events: [{ seq: 1, message: progress(1) }], ended: false });
  });

  it('tells a reader that saw the last event that the stream ended (its end marker rides in that entry)', async () => {
    const sessionId = randomUUID();
    log.append(sessionId, 'post', 1, progress(1));
    log.append(sessionId, 'post', 2, answer(1));
    log.append(sessionId, 'post', 3, null);

    expect(await log.readAfter(sessionId, 'post', 2)).toEqual({ events: [], ended: true });
    const followed: number[] = [];
    for await (const event of log.follow(sessionId, 'post', 2, new AbortController().signal)) followed.push(event.seq);
    expect(followed).toEqual([]);
    for await (const event of log.follow(sessionId, 'post', 1, new AbortController().signal)) followed.push(event.seq);
    expect(followed).toEqual([2]);
  });

  it('keeps a finished stream for the resume grace only, a live one for the session idle time', async () => {
    const sessionId = randomUUID();
    log.append(sessionId, 'done', 1, answer(1));
    log.append(sessionId, 'done', 2, null);
    log.append(sessionId, 'live', 1, progress(1));
    expect(await log.exists(sessionId, 'done')).toBe(true);

    const finishedTtl = await redis.pttl(`sy:gw:ev:${sessionId}:done`);
    const liveTtl = await redis.pttl(`sy:gw:ev:${sessionId}:live`);
    expect(finishedTtl).toBeGreaterThan(0);
    expect(finishedTtl).toBeLessThanOrEqual(60_000);
    expect(liveTtl).toBeGreaterThan(60_000);
  });

  it('ends the stream with an end marker of its own when events came in an earlier tick', async () => {
    const sessionId = randomUUID();
    log.append(sessionId, 's', 1, progress(1));
    await new Promise((resolve) => setImmediate(resolve));
    log.append(sessionId, 's', 2, null);

    expect(await log.readAfter(sessionId, 's', 0)).toEqual({ events: [{ seq: 1, message: progress(1) }], ended: true });
    expect(await redis.xlen(`sy:gw:ev:${sessionId}:s`)).toBe(2);
  });

  it('follows a stream to its end marker, events appended after the follow began included', async () => {
    const sessionId = randomUUID();
    log.append(sessionId, 'f', 1, progress(1));
    const seen: number[] = [];
    const following = (async () => {
      for await (const event of log.follow(sessionId, 'f', 0, new AbortController().signal)) seen.push(event.seq);
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    log.append(sessionId, 'f', 2, answer(2));
    log.append(sessionId, 'f', 3, null);

    await following;
    expect(seen).toEqual([1, 2]);
  });
});

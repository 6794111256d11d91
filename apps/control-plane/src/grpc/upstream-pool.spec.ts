import { jest } from '@jest/globals';
import { UpstreamPool, type PoolableSession } from './upstream-pool.js';

class StandInSession implements PoolableSession {
  isOpen = true;
  closedWith: string | undefined;
  constructor(readonly id: number) {}
  close(reason: string): void {
    this.isOpen = false;
    this.closedWith = reason;
  }
}

const poolOf = (shareable: boolean, idleMs = 1_000) => {
  let opened = 0;
  const sessions: StandInSession[] = [];
  const pool = new UpstreamPool<StandInSession>(idleMs, async () => {
    const session = new StandInSession(++opened);
    sessions.push(session);
    return { session, shareable };
  });
  return { pool, sessions };
};

describe('UpstreamPool', () => {
  afterEach(() => jest.useRealTimers());

  it('shares one session of a stateless version between calls, at once and one after another', async () => {
    const { pool, sessions } = poolOf(true);

    const first = await pool.acquire('everything');
    const second = await pool.acquire('everything');
    first.release();
    second.release();
    const third = await pool.acquire('everything');

    expect(sessions).toHaveLength(1);
    expect([first.session, second.session, third.session]).toEqual([sessions[0], sessions[0], sessions[0]]);
    expect(third.pooled).toBe(true);
    expect(sessions[0]?.isOpen).toBe(true);
  });

  it('gives each call of a stateful version its own session, closed on release', async () => {
    const { pool, sessions } = poolOf(false);

    const first = await pool.acquire('everything');
    const second = await pool.acquire('everything');
    first.release();

    expect(sessions).toHaveLength(2);
    expect(first.pooled).toBe(false);
    expect(sessions[0]?.isOpen).toBe(false);
    expect(sessions[1]?.isOpen).toBe(true);
    expect(pool.size).toBe(0);
    second.release();
  });

  it('closes a shared session once it was idle for idleMs, not while a call uses it', async () => {
    jest.useFakeTimers();
    const { pool, sessions } = poolOf(true, 1_000);
    const first = await pool.acquire('everything');
    const second = await pool.acquire('everything');

    first.release();
    jest.advanceTimersByTime(5_000);
    expect(sessions[0]?.isOpen).toBe(true);

    second.release();
    jest.advanceTimersByTime(999);
    expect(sessions[0]?.isOpen).toBe(true);
    jest.advanceTimersByTime(1);
    expect(sessions[0]?.closedWith).toBe('idle in the gRPC ToolGateway pool');
    expect(pool.size).toBe(0);
  });

  it('opens a new session when the shared one has ended (its runner was lost)', async () => {
    const { pool, sessions } = poolOf(true);
    const first = await pool.acquire('everything');
    sessions[0]?.close('runner lost');
    first.release();

    const next = await pool.acquire('everything');

    expect(next.session).toBe(sessions[1]);
    expect(sessions).toHaveLength(2);
  });

  it('lets calls that arrive while the session is being opened wait for it and share it', async () => {
    const { pool, sessions } = poolOf(true);

    const leases = await Promise.all([pool.acquire('everything'), pool.acquire('everything'), pool.acquire('everything')]);

    expect(sessions).toHaveLength(1);
    expect(leases.every((lease) => lease.session === sessions[0] && lease.pooled)).toBe(true);
  });

  it('lets calls that waited for a stateful session open their own', async () => {
    const { pool, sessions } = poolOf(false);

    const leases = await Promise.all([pool.acquire('everything'), pool.acquire('everything')]);

    expect(sessions).toHaveLength(2);
    expect(leases[0]?.session).not.toBe(leases[1]?.session);
  });

  it('keeps one session per server', async () => {
    const { pool, sessions } = poolOf(true);

    const a = await pool.acquire('a');
    const b = await pool.acquire('b');

    expect(a.session).not.toBe(b.session);
    expect(sessions).toHaveLength(2);
    pool.closeAll('shutdown');
    expect(sessions.every((session) => session.closedWith === 'shutdown')).toBe(true);
  });

  it('counts a release once', async () => {
    jest.useFakeTimers();
    const { pool, sessions } = poolOf(true, 10);
    const first = await pool.acquire('everything');
    const second = await pool.acquire('everything');

    first.release();
    first.release();
    jest.advanceTimersByTime(100);

    expect(sessions[0]?.isOpen).toBe(true);
    second.release();
  });
});

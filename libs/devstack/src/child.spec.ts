import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnChild } from './child.js';
import { probeOnce } from './probe.js';

describe('spawnChild', () => {
  it('stop() is idempotent and escalates to SIGKILL when the child ignores its stop signal', async () => {
    const child = spawnChild({ name: 'stubborn', command: 'sh', args: ['-c', 'trap "" TERM; echo started; sleep 30'], stopTimeoutMs: 200 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(child.isRunning()).toBe(true);
    const started = Date.now();
    await Promise.all([child.stop(), child.stop()]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(child.isRunning()).toBe(false);
    expect((await child.exited).signal).toBe('SIGKILL');
    expect(child.outputTail()).toContain('started');
  });

  // The kernel-level guarantee: even a SIGKILLed parent (no handlers run) takes its servers along.
  it('children die when their parent is SIGKILLed', async () => {
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `
      const { startRedis } = await import(${JSON.stringify(dist)});
      const redis = await startRedis();
      process.stdout.write(String(redis.port) + '\\n');
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      parent.stdout.once('data', (data: Buffer) => resolve(Number(data.toString().trim())));
      parent.once('exit', () => reject(new Error('parent exited early (is libs/devstack built?)')));
    });
    const ping = { port, send: 'PING\r\n', ready: (received: string) => received.startsWith('+PONG') };
    expect(await probeOnce(ping)).toBe(true);
    parent.kill('SIGKILL');
    await new Promise((resolve) => parent.once('exit', resolve));
    let alive = true;
    for (let i = 0; i < 40 && alive; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      alive = await probeOnce(ping);
    }
    expect(alive).toBe(false);
  });
});

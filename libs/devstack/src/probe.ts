import { connect } from 'node:net';
import type { ManagedChild } from './child.js';

export interface ProbeOptions {
  port: number;
  host?: string;
  /** Bytes to send once connected (e.g. "PING\r\n"); nothing when the server speaks first. */
  send?: string;
  /** The server is ready once the bytes received so far satisfy this. */
  ready: (received: string) => boolean;
}

/** One connection attempt: true when the server answered as expected within 1 s. */
export function probeOnce(options: ProbeOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port: options.port, host: options.host ?? '127.0.0.1' });
    let received = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => {
      if (options.send) socket.write(options.send);
    });
    socket.on('data', (data) => {
      received += data.toString('utf8');
      if (options.ready(received)) done(true);
    });
    socket.once('end', () => done(options.ready(received)));
  });
}

/**
 * Polls until the child's server answers, failing fast (with its output) when the child exits
 * first or the deadline passes.
 */
export async function waitUntilReady(child: ManagedChild, options: ProbeOptions, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    if (!child.isRunning()) {
      const exit = await child.exited;
      throw new Error(
        `${child.name} exited before it was ready (code ${exit.code}, signal ${exit.signal}). Output:\n${child.outputTail()}`,
      );
    }
    if (await probeOnce(options)) return;
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`${child.name} did not accept connections on port ${options.port} within ${timeoutMs} ms. Output:\n${child.outputTail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 100);
  }
}

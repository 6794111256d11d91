import { createServer } from 'node:net';

/** Asks the kernel for a free TCP port on 127.0.0.1 (bind to port 0, read it back, release it). */
export function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not read the bound port'))));
    });
  });
}

/** True when nothing listens on 127.0.0.1:port and we may bind it. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The preferred port when it is free, otherwise any free port. Used for the demo's fixed
 * defaults, so a second checkout or a stray server does not stop the demo from starting.
 */
export async function pickPort(preferred?: number): Promise<number> {
  if (preferred !== undefined && (await isPortFree(preferred))) return preferred;
  return getFreePort();
}

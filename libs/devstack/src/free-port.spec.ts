import { createServer, type Server } from 'node:net';
import { getFreePort, isPortFree, pickPort } from './free-port.js';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('free ports', () => {
  it('tells a busy port from a free one, and pickPort falls back when the preferred one is busy', async () => {
    const port = await getFreePort();
    expect(await isPortFree(port)).toBe(true);
    expect(await pickPort(port)).toBe(port);
    const server = await listen(port);
    try {
      expect(await isPortFree(port)).toBe(false);
      const other = await pickPort(port);
      expect(other).not.toBe(port);
      expect(await isPortFree(other)).toBe(true);
    } finally {
      server.close();
    }
  });
});

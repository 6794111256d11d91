import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import type { Placement } from '../src/supervisor/placement.js';

/** The tiny stdio server of these tests (see fixtures/env-server.mjs). */
export const ENV_SERVER = fileURLToPath(new URL('./fixtures/env-server.mjs', import.meta.url));

let counter = 0;

/** A STDIO placement running `node <script>`; every call gets a fresh deployment id. */
export function stdioPlacement(overrides: Partial<Omit<Placement, 'launch'>> & { launch?: Partial<Placement['launch']> } = {}): Placement {
  counter += 1;
  const { launch, ...rest } = overrides;
  return {
    deploymentId: `dep-${counter}`,
    versionId: 'ver-1',
    serverName: 'env-server',
    secretValues: {},
    ...rest,
    launch: {
      transport: 'STDIO',
      command: 'node',
      args: [ENV_SERVER],
      env: {},
      secretEnv: [],
      url: null,
      artifactIntegrity: null,
      stateless: false,
      ...launch,
    },
  };
}

/** A pino logger whose JSON lines the test can read. */
export function capturingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, text };
}

/** The Subresource Integrity string (sha512) of a file, as a version pins its artifact. */
export const sri512 = (file: string) => `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

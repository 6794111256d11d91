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

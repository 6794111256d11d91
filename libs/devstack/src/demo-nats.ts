import { existsSync } from 'node:fs';
import { createNatsAuthBundle, type NatsAuthBundle } from '@switchyard/nats-auth';
import { readNatsAuthFile, writeNatsAuthFile } from './nats-auth-file.js';

/**
 * The demo's NATS auth bundle, created on the first run and kept: the resolver dir and the
 * control plane's NatsAccountState row belong to its accounts. Creating one costs ~0.1 s.
 */
export async function loadOrCreateNatsAuth(file: string): Promise<{ bundle: NatsAuthBundle; created: boolean }> {
  if (existsSync(file)) return { bundle: readNatsAuthFile(file), created: false };
  const { bundle } = await createNatsAuthBundle({ operatorName: 'switchyard-demo' });
  writeNatsAuthFile(file, bundle);
  return { bundle, created: true };
}

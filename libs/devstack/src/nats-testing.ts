// Jest helpers for NATS in operator mode: the global setup (test-stack.ts) created one auth bundle
// for the run, started nats-server with it and exported the bundle's path through this variable.
// TODO: fold into testing.ts (TEST_ENV_VARS / testEnv) once that file is free to edit.
import { readNatsAuthFile } from './nats-auth-file.js';
import type { NatsAuthBundle } from '@switchyard/nats-auth';

export const TEST_NATS_AUTH_FILE_VAR = 'SWITCHYARD_TEST_NATS_AUTH_FILE';

export interface TestNatsAuth {
  /** Path of the run's nats-auth.json (what SWITCHYARD_NATS_AUTH_FILE takes). */
  file: string;
  bundle: NatsAuthBundle;
}

let cached: TestNatsAuth | undefined;

export function testNatsAuth(): TestNatsAuth {
  const file = process.env[TEST_NATS_AUTH_FILE_VAR];
  if (!file) {
    throw new Error(`${TEST_NATS_AUTH_FILE_VAR} is not set: run tests through "npm test" or "npm run test:jest" so jest's globalSetup starts the test servers`);
  }
  if (cached?.file !== file) cached = { file, bundle: readNatsAuthFile(file) };
  return cached;
}

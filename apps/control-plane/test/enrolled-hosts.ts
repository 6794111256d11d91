// Many runner hosts enrolled through the real HTTP endpoint, without a CLI process per host:
// the files `switchyard-runner enroll` would write, so that `switchyard-runner start` runs on them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credsText } from '@switchyard/nats-auth';
import { enrollResponseSchema } from '@switchyard/protocol';
import type { TestControlPlane } from './harness.js';
import { writeRunnerConfig } from './runner-cli.js';
import { createToken, enrollRequest, postEnroll } from './runner-fixtures.js';

export interface EnrolledHost {
  runnerId: string;
  publicKey: string;
  name: string;
  /** runner.json of this host (for `start --config`). */
  config: string;
  dataDir: string;
}

/**
 * Enrolls one host (token → POST /v1/runners/enroll) and writes its data directory as the CLI's
 * enroll does: runner.creds, nats-ca.pem (when the control plane sent a CA), identity.json; 0600
 * files in a 0700 directory.
 */
export async function enrollHostOverHttp(
  cp: TestControlPlane,
  operatorKey: string,
  nodepoolId: string,
  hostDir: string,
  name: string,
  config: Record<string, unknown> = {},
): Promise<EnrolledHost> {
  const { token } = await createToken(cp, operatorKey, nodepoolId);
  const { body, key } = enrollRequest(token, { name });
  const { status, json } = await postEnroll(cp, body);
  if (status !== 201) throw new Error(`enrolling ${name} failed: HTTP ${status} ${JSON.stringify(json)}`);
  const response = enrollResponseSchema.parse(json);
  const dataDir = join(hostDir, 'data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dataDir, 'runner.creds'), credsText(response.userJwt, key), { mode: 0o600 });
  if (response.caPem) writeFileSync(join(dataDir, 'nats-ca.pem'), response.caPem, { mode: 0o600 });
  const identity = { runnerId: response.runnerId, name, publicKey: key.getPublicKey(), controlPlaneUrl: cp.url, natsUrls: response.natsUrls };
  writeFileSync(join(dataDir, 'identity.json'), JSON.stringify(identity), { mode: 0o600 });
  return {
    runnerId: response.runnerId,
    publicKey: key.getPublicKey(),
    name,
    dataDir,
    config: writeRunnerConfig(hostDir, { controlPlaneUrl: cp.url, dataDir, name, capacity: 2, ...config }),
  };
}

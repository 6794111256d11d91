import { readFile, rm } from 'node:fs/promises';
import { createUser, type KeyPair } from '@nats-io/nkeys';
import { enrollResponseSchema, isDomainError, parseMessage, RUNNER_PROTOCOL_VERSION, type EnrollRequest, type EnrollResponse } from '@switchyard/protocol';
import { runnerFiles, type RunnerIdentity } from '../config/data-files.js';
import type { RunnerConfig } from '../config/runner-config.js';
import { formatCreds } from '../credentials/creds.js';
import { ensurePrivateDirectory, writePrivateFile } from '../credentials/secret-files.js';
import { postJson, type JsonResponse, type PostJsonOptions } from './post-json.js';

/** The control plane's enrollment route (apps/control-plane/src/enrollment). */
export const ENROLL_PATH = 'v1/runners/enroll';

/** Enrollment failed; the message is one line for the operator, never containing the token. */
export class EnrollError extends Error {
  override readonly name = 'EnrollError';
}

export interface EnrollParams {
  url: URL;
  token: string;
  config: RunnerConfig;
  hostname: string;
  softwareVersion: string;
  /** Enroll although identity.json exists (a new runner; the old one stays until revoked). */
  force: boolean;
  /** Injected in tests. */
  post?: (url: URL, body: unknown, options: PostJsonOptions) => Promise<JsonResponse>;
  createKeyPair?: () => KeyPair;
  now?: () => Date;
}

export interface Enrollment {
  response: EnrollResponse;
  identity: RunnerIdentity;
  files: ReturnType<typeof runnerFiles>;
}

/** `https://cp.example.com/switchyard` + the route: keeps a path prefix the URL may carry. */
function enrollUrl(base: URL): URL {
  return new URL(ENROLL_PATH, base.href.endsWith('/') ? base : new URL(`${base.href}/`));
}

async function existingRunnerId(file: string): Promise<string | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { runnerId?: unknown };
    return typeof parsed.runnerId === 'string' ? parsed.runnerId : 'unknown';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'unknown';
  }
}

function refusal(answer: JsonResponse): string {
  const error = (answer.json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? ` ${error.code}` : '';
  if (typeof error?.message === 'string') return `enrollment refused (HTTP ${answer.status}${code}): ${error.message}`;
  return `enrollment failed: the control plane answered HTTP ${answer.status} without an error message (is --url the control plane?)`;
}

/**
 * Enrolls this host: makes the runner's own user nkey pair (the seed never leaves this host),
 * sends the public key with the one-time token, and writes runner.creds, nats-ca.pem and — last,
 * as the mark of a complete enrollment — identity.json, all 0600 in a 0700 data directory.
 */
export async function enroll(params: EnrollParams): Promise<Enrollment> {
  const { config } = params;
  const files = runnerFiles(config.dataDir);
  const enrolledAs = await existingRunnerId(files.identity);
  if (enrolledAs !== undefined && !params.force) {
    throw new EnrollError(
      `this host is already enrolled as runner ${enrolledAs} (${files.identity}); pass --force to enroll it as a new runner (revoke the old one in the control plane)`,
    );
  }
  const key = (params.createKeyPair ?? createUser)();
  const seed = new TextDecoder().decode(key.getSeed());
  const request: EnrollRequest = {
    v: RUNNER_PROTOCOL_VERSION,
    token: params.token,
    publicKey: key.getPublicKey(),
    name: config.name,
    hostname: params.hostname,
    softwareVersion: params.softwareVersion,
    capacity: config.capacity,
    labels: { ...config.labels },
  };

  const ca = config.tls.caFile ? await readFile(config.tls.caFile, 'utf8') : undefined;
  const target = enrollUrl(params.url);
  let answer: JsonResponse;
  try {
    answer = await (params.post ?? postJson)(target, request, { ca });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new EnrollError(`cannot reach the control plane at ${target.origin}: ${code ? `${code} ` : ''}${(error as Error).message}`.trim());
  }
  if (answer.status < 200 || answer.status > 299) throw new EnrollError(refusal(answer));

  let response: EnrollResponse;
  try {
    response = parseMessage(enrollResponseSchema, answer.json);
  } catch (error) {
    throw new EnrollError(`the control plane's answer is not a valid enroll response: ${isDomainError(error) ? error.message : String(error)}`);
  }

  await ensurePrivateDirectory(config.dataDir);
  await writePrivateFile(files.credentials, formatCreds({ jwt: response.userJwt, seed }));
  // A CA from an earlier enrollment (--force) must not outlive it.
  if (response.caPem) await writePrivateFile(files.natsCa, response.caPem);
  else await rm(files.natsCa, { force: true });
  const identity: RunnerIdentity = {
    runnerId: response.runnerId,
    name: config.name,
    publicKey: key.getPublicKey(),
    controlPlaneUrl: params.url.href,
    natsUrls: response.natsUrls,
    enrolledAt: (params.now ?? (() => new Date()))().toISOString(),
  };
  await writePrivateFile(files.identity, `${JSON.stringify(identity, null, 2)}\n`);
  return { response, identity, files };
}

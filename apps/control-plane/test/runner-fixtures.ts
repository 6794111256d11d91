// Helpers for the runner credential e2e specs: a nodepool, enrollment tokens, enroll requests.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createUser, type KeyPair } from '@nats-io/jwt';
import { RUNNER_PROTOCOL_VERSION, type EnrollRequest } from '@switchyard/protocol';
import type { TestControlPlane } from './harness.js';

const CREATE_TOKEN = `mutation($input: CreateEnrollmentTokenInput!) {
  createEnrollmentToken(input: $input) { token enrollmentToken { id prefix } }
}`;

export interface IssuedToken {
  token: string;
  id: string;
  prefix: string;
}

export async function createNodepool(cp: TestControlPlane, name: string): Promise<string> {
  return (await cp.prisma.nodepool.create({ data: { name, kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' } })).id;
}

export async function createToken(cp: TestControlPlane, operatorKey: string, nodepoolId: string): Promise<IssuedToken> {
  const response = await cp.gql<{ createEnrollmentToken: { token: string; enrollmentToken: { id: string; prefix: string } } }>(
    CREATE_TOKEN,
    { input: { nodepoolId } },
    operatorKey,
  );
  if (!response.data) throw new Error(`createEnrollmentToken failed: ${JSON.stringify(response.errors)}`);
  const { token, enrollmentToken } = response.data.createEnrollmentToken;
  return { token, id: enrollmentToken.id, prefix: enrollmentToken.prefix };
}

/** A valid enroll request for a fresh key pair (the key is returned for connecting later). */
export function enrollRequest(token: string, overrides: Partial<EnrollRequest> = {}): { body: EnrollRequest; key: KeyPair } {
  const key = createUser();
  return {
    key,
    body: {
      v: RUNNER_PROTOCOL_VERSION,
      token,
      publicKey: key.getPublicKey(),
      name: `runner-${Math.random().toString(36).slice(2, 10)}`,
      hostname: 'gpu-host-01.example.com',
      softwareVersion: '0.1.0',
      capacity: 8,
      labels: { rack: 'b3' },
      ...overrides,
    },
  };
}

export async function postEnroll(cp: TestControlPlane, body: unknown, init: RequestInit = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${cp.url}/v1/runners/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
  const text = await response.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: response.status, json };
}

/** A self-signed CA certificate (PEM) made with openssl, as SWITCHYARD_NATS_CA_FILE would hold. */
export function writeTestCa(dir: string): string {
  const file = join(dir, 'nats-ca.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=switchyard-test-ca', '-keyout', join(dir, 'ca.key'), '-out', file], {
    stdio: 'ignore',
  });
  return file;
}

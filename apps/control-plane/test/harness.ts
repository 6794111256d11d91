import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiKeyRole, type PrismaClient } from '@switchyard/db';
import { testNatsAuth } from '@switchyard/devstack/nats-testing';
import { createTestDatabase, testEnv, type TestDatabase } from '@switchyard/devstack/testing';
import { CLI_ACTOR } from '../src/admin-events/actor.js';
import { ApiKeysService } from '../src/api-keys/api-keys.service.js';
import { loadConfig, type ControlPlaneConfig } from '../src/config/config.js';
import { NatsLink } from '../src/connections/nats-link.js';
import { createApp } from '../src/create-app.js';
import { RunnerLivenessService } from '../src/runners/runner-liveness.service.js';
import { PRISMA } from '../src/database/database.module.js';
import { createLogger } from '../src/logging/logger.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> & { code?: string } }>;
}

export interface TestControlPlane {
  url: string;
  app: NestFastifyApplication;
  config: ControlPlaneConfig;
  prisma: PrismaClient;
  database: TestDatabase;
  /** A fresh key of the given role (created through the service, as the CLI does). */
  keyFor(role: ApiKeyRole, name?: string): Promise<string>;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, key?: string): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export function testConfigEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  const env = testEnv();
  return {
    SWITCHYARD_DATABASE_URL: databaseUrl,
    SWITCHYARD_REDIS_URL: env.redisUrl,
    SWITCHYARD_NATS_URL: env.natsUrl,
    // The run's nats-server is in operator mode; this bundle (from the global setup) gets in.
    SWITCHYARD_NATS_AUTH_FILE: testNatsAuth().file,
    SWITCHYARD_SECRETS_KEY: randomBytes(32).toString('base64'),
    SWITCHYARD_AUDIT_HMAC_KEY: randomBytes(32).toString('base64'),
    SWITCHYARD_PORT: '0',
    SWITCHYARD_LOG_LEVEL: 'silent',
    SWITCHYARD_MIGRATE_ON_START: 'false',
    ...extra,
  };
}

/** A control plane on a fresh, migrated database of its own, listening on a free port. */
export async function startControlPlane(extraEnv: Record<string, string> = {}): Promise<TestControlPlane> {
  const database = await createTestDatabase();
  const config = loadConfig(testConfigEnv(database.url, extraEnv));
  const app = await createApp(config, createLogger(config.logLevel));
  await app.listen({ port: 0, host: '127.0.0.1' });
  // The app dials NATS in the background; on a loaded machine the first connect can outlast the
  // relay's 5 s wait for it. Tests start once it is up, as a deployment would once /readyz is 200.
  await app.get(NatsLink).connected(30_000);
  // The first CONNZ reconciliation marks every runner row without a live NATS connection OFFLINE:
  // a test that creates HEALTHY rows before it finished would race it.
  await app.get(RunnerLivenessService).ready();
  const address = app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('control plane did not bind a TCP port');
  const url = `http://127.0.0.1:${address.port}`;

  const gql = async <T>(query: string, variables?: Record<string, unknown>, key?: string): Promise<GraphQLResponse<T>> => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
    return { status: response.status, ...body };
  };

  return {
    url,
    app,
    config,
    prisma: app.get<PrismaClient>(PRISMA),
    database,
    gql,
    async keyFor(role, name = `test-${role.toLowerCase()}`) {
      const { key } = await app.get(ApiKeysService).create(CLI_ACTOR, { name, role });
      return key;
    },
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

/** The error codes of a GraphQL response, for compact assertions. */
export function codesOf(response: GraphQLResponse): string[] {
  return (response.errors ?? []).map((e) => String(e.extensions?.code));
}

export { ApiKeyRole };

import { readFile } from 'node:fs/promises';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { DEFAULT_SCHEMA_FILE } from '../src/cli/graphql-schema.command.js';
import { startControlPlane, type TestControlPlane } from './harness.js';

describe('health, metrics and the published schema', () => {
  let sut: TestControlPlane;

  beforeAll(async () => {
    sut = await startControlPlane();
  });
  afterAll(() => sut.close());

  it('answers /healthz without credentials', async () => {
    const response = await fetch(`${sut.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('is ready when Postgres, Redis and NATS all answer', async () => {
    let body: { status: string; checks: Record<string, { status: string }> } | undefined;
    // NATS connects in the background; give it a moment on a loaded machine.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      const response = await fetch(`${sut.url}/readyz`);
      body = (await response.json()) as typeof body;
      if (response.status === 200) break;
    }
    expect(body).toEqual({
      status: 'ready',
      checks: { postgres: { status: 'up' }, redis: { status: 'up' }, nats: { status: 'up' } },
    });
  });

  it('exposes Prometheus metrics including GraphQL operation counts', async () => {
    await sut.gql('query { whoami { id } }');
    const response = await fetch(`${sut.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/switchyard_graphql_requests_total\{operation="query",outcome="error"\} [1-9]/);
    expect(text).toContain('switchyard_process_cpu_seconds_total');
  });

  it('serves exactly the committed schema.graphql', async () => {
    const running = `${printSchema(lexicographicSortSchema(sut.app.get(GraphQLSchemaHost).schema))}\n`;
    const committed = await readFile(DEFAULT_SCHEMA_FILE, 'utf8');
    expect(running).toBe(committed);
  });

  it('refuses an oversized request body', async () => {
    const response = await fetch(`${sut.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `query { whoami { id } } # ${'x'.repeat(sut.config.bodyLimitBytes)}` }),
    });
    expect(response.status).toBe(413);
  });
});

describe('readiness with a dependency down', () => {
  let sut: TestControlPlane;

  beforeAll(async () => {
    // Port 1 on loopback: nothing listens there, connections are refused at once.
    sut = await startControlPlane({ SWITCHYARD_REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(() => sut.close());

  it('stays up, answers /healthz, and reports Redis down on /readyz with 503', async () => {
    expect((await fetch(`${sut.url}/healthz`)).status).toBe(200);
    const response = await fetch(`${sut.url}/readyz`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; checks: Record<string, { status: string; error?: string }> };
    expect(body.status).toBe('not ready');
    expect(body.checks['redis']?.status).toBe('down');
    expect(body.checks['postgres']?.status).toBe('up');
  });
});

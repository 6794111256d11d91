import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNatsAuthBundle, type NatsAuthBundle } from '@switchyard/nats-auth';
import { ConfigError, loadConfig } from './config.js';

const key = Buffer.alloc(32, 7).toString('base64');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-config-'));
const bundleFile = join(dir, 'nats-auth.json');
let bundle: NatsAuthBundle;
const validEnv = {
  SWITCHYARD_DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/switchyard',
  SWITCHYARD_REDIS_URL: 'redis://127.0.0.1:6379',
  SWITCHYARD_NATS_URL: 'nats://127.0.0.1:4222, nats://127.0.0.1:4223',
  SWITCHYARD_NATS_AUTH_FILE: bundleFile,
  SWITCHYARD_SECRETS_KEY: key,
  SWITCHYARD_AUDIT_HMAC_KEY: key,
};

beforeAll(async () => {
  bundle = (await createNatsAuthBundle()).bundle;
  writeFileSync(bundleFile, JSON.stringify(bundle), { mode: 0o600 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('applies defaults and parses lists and keys', () => {
    const sut = loadConfig(validEnv);
    expect(sut.port).toBe(4000);
    expect(sut.host).toBe('127.0.0.1');
    expect(sut.natsUrls).toEqual(['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223']);
    expect(sut.secretsKey).toHaveLength(32);
    expect(sut.migrateOnStart).toBe(true);
    expect(sut.natsAuth).toEqual(bundle);
    expect(sut.runnerJwtTtlSeconds).toBe(3600);
    expect(Object.isFrozen(sut)).toBe(true);
  });

  it('reports one line per missing variable', () => {
    const problems = problemsOf({});
    expect(problems).toEqual(
      expect.arrayContaining([
        'SWITCHYARD_DATABASE_URL: is required',
        'SWITCHYARD_REDIS_URL: is required',
        'SWITCHYARD_NATS_URL: is required',
        'SWITCHYARD_NATS_AUTH_FILE: is required',
        'SWITCHYARD_SECRETS_KEY: is required',
        'SWITCHYARD_AUDIT_HMAC_KEY: is required',
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('explains bad values', () => {
    const problems = problemsOf({
      ...validEnv,
      SWITCHYARD_PORT: 'eighty',
      SWITCHYARD_NATS_URL: 'http://example',
      SWITCHYARD_SECRETS_KEY: 'c2hvcnQ=',
      SWITCHYARD_MIGRATE_ON_START: 'maybe',
    });
    expect(problems).toContain('SWITCHYARD_PORT: expected a port number');
    expect(problems.find((p) => p.startsWith('SWITCHYARD_NATS_URL'))).toMatch(/expected a URL \(nats:\/\/…/);
    expect(problems.find((p) => p.startsWith('SWITCHYARD_SECRETS_KEY'))).toMatch(/at least 32 bytes/);
    expect(problems).toContain('SWITCHYARD_MIGRATE_ON_START: expected true or false');
  });

  it('says when the NATS auth bundle cannot be read', () => {
    const missing = join(dir, 'nope.json');
    expect(problemsOf({ ...validEnv, SWITCHYARD_NATS_AUTH_FILE: missing })).toEqual([
      `SWITCHYARD_NATS_AUTH_FILE: cannot read ${missing} (ENOENT); create it with: switchyard nats init --out <dir>`,
    ]);
  });

  it('names every problem of a bad bundle, next to the other variables, without echoing secrets', () => {
    const bad = join(dir, 'bad.json');
    const { controlPlaneUser: _dropped, ...rest } = bundle;
    writeFileSync(bad, JSON.stringify({ ...rest, appAccount: { ...bundle.appAccount, signingSeed: bundle.operator.signingSeed } }));
    const problems = problemsOf({ ...validEnv, SWITCHYARD_NATS_AUTH_FILE: bad, SWITCHYARD_PORT: 'x' });
    expect(problems).toEqual([
      'SWITCHYARD_PORT: expected a port number',
      `SWITCHYARD_NATS_AUTH_FILE: ${bad}: appAccount.signingSeed: expected an account seed (SA…)`,
      `SWITCHYARD_NATS_AUTH_FILE: ${bad}: controlPlaneUser: Invalid input: expected object, received undefined`,
    ]);
    expect(problems.join('\n')).not.toContain(bundle.operator.signingSeed);
  });

  it('bounds the runner JWT lifetime', () => {
    expect(loadConfig({ ...validEnv, SWITCHYARD_RUNNER_JWT_TTL_SECONDS: '600' }).runnerJwtTtlSeconds).toBe(600);
    expect(problemsOf({ ...validEnv, SWITCHYARD_RUNNER_JWT_TTL_SECONDS: '5' })).toEqual([
      'SWITCHYARD_RUNNER_JWT_TTL_SECONDS: expected whole seconds, 60 to 86400',
    ]);
  });

  it('exports no spans by default; reads the OTLP endpoint and its headers (percent-decoded)', () => {
    expect(loadConfig(validEnv).telemetry).toEqual({ otlpEndpoint: null, otlpHeaders: {} });
    expect(loadConfig({ ...validEnv, SWITCHYARD_OTLP_ENDPOINT: '' }).telemetry.otlpEndpoint).toBeNull();
    const sut = loadConfig({ ...validEnv, SWITCHYARD_OTLP_ENDPOINT: 'http://collector:4318/', SWITCHYARD_OTLP_HEADERS: 'Authorization=Bearer%20a%3Db, x-tenant = t1' });
    expect(sut.telemetry).toEqual({ otlpEndpoint: 'http://collector:4318', otlpHeaders: { authorization: 'Bearer a=b', 'x-tenant': 't1' } });
  });

  it('explains a bad OTLP endpoint or header list without echoing the headers', () => {
    expect(problemsOf({ ...validEnv, SWITCHYARD_OTLP_ENDPOINT: 'grpc://collector:4317', SWITCHYARD_OTLP_HEADERS: 'secret-token-without-a-name' })).toEqual([
      'SWITCHYARD_OTLP_ENDPOINT: expected a URL (http://… or https://…)',
      'SWITCHYARD_OTLP_HEADERS: expected key=value pairs, comma-separated, with header names as keys',
    ]);
    expect(problemsOf({ ...validEnv, SWITCHYARD_OTLP_HEADERS: 'authorization=%E0%A4%A' })).toEqual(['SWITCHYARD_OTLP_HEADERS: the value of authorization is not valid percent-encoding']);
  });

  it('serves no gRPC unless SWITCHYARD_GRPC_PORT is set; binds SWITCHYARD_HOST by default; TLS needs both files', () => {
    expect(loadConfig(validEnv).grpc).toEqual({ port: null, host: '127.0.0.1', tls: null });
    expect(loadConfig({ ...validEnv, SWITCHYARD_GRPC_PORT: '' }).grpc.port).toBeNull();
    expect(loadConfig({ ...validEnv, SWITCHYARD_GRPC_PORT: '0' }).grpc.port).toBe(0);
    expect(loadConfig({ ...validEnv, SWITCHYARD_HOST: '0.0.0.0', SWITCHYARD_GRPC_PORT: '4001' }).grpc).toMatchObject({ port: 4001, host: '0.0.0.0' });
    expect(loadConfig({ ...validEnv, SWITCHYARD_GRPC_HOST: '10.0.0.5', SWITCHYARD_GRPC_TLS_CERT_FILE: '/c.pem', SWITCHYARD_GRPC_TLS_KEY_FILE: '/k.pem' }).grpc).toMatchObject({
      host: '10.0.0.5',
      tls: { certFile: '/c.pem', keyFile: '/k.pem' },
    });
    expect(problemsOf({ ...validEnv, SWITCHYARD_GRPC_TLS_CERT_FILE: '/c.pem' })).toEqual(['SWITCHYARD_GRPC_TLS_CERT_FILE, SWITCHYARD_GRPC_TLS_KEY_FILE: set both (TLS) or neither (plaintext)']);
    expect(problemsOf({ ...validEnv, SWITCHYARD_GRPC_PORT: '70000' })).toEqual(['SWITCHYARD_GRPC_PORT: expected a port number']);
  });
});

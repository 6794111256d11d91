import { ConfigError, loadConfig } from './config.js';

const key = Buffer.alloc(32, 7).toString('base64');
const validEnv = {
  SWITCHYARD_DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/switchyard',
  SWITCHYARD_REDIS_URL: 'redis://127.0.0.1:6379',
  SWITCHYARD_NATS_URL: 'nats://127.0.0.1:4222, nats://127.0.0.1:4223',
  SWITCHYARD_SECRETS_KEY: key,
  SWITCHYARD_AUDIT_HMAC_KEY: key,
};

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
    expect(Object.isFrozen(sut)).toBe(true);
  });

  it('reports one line per missing variable', () => {
    const problems = problemsOf({});
    expect(problems).toEqual(
      expect.arrayContaining([
        'SWITCHYARD_DATABASE_URL: is required',
        'SWITCHYARD_REDIS_URL: is required',
        'SWITCHYARD_NATS_URL: is required',
        'SWITCHYARD_SECRETS_KEY: is required',
        'SWITCHYARD_AUDIT_HMAC_KEY: is required',
      ]),
    );
    expect(problems).toHaveLength(5);
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
});

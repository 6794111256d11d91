import { loadRunnerConfig, RunnerConfigError, type LoadRunnerConfigOptions } from './runner-config.js';

const files = (entries: Record<string, unknown>) => (path: string) =>
  path in entries ? (typeof entries[path] === 'string' ? (entries[path] as string) : JSON.stringify(entries[path])) : null;

function problemsOf(options: LoadRunnerConfigOptions): string[] {
  try {
    loadRunnerConfig(options);
  } catch (error) {
    if (error instanceof RunnerConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadRunnerConfig', () => {
  it('reads /etc/switchyard/runner.json and fills the defaults', () => {
    const sut = loadRunnerConfig({
      env: {},
      readFile: files({ '/etc/switchyard/runner.json': { controlPlaneUrl: 'https://switchyard.example.com' } }),
      hostname: () => 'gpu-host-01',
    });

    expect(sut).toEqual({
      configPath: '/etc/switchyard/runner.json',
      controlPlaneUrl: 'https://switchyard.example.com',
      dataDir: '/var/lib/switchyard-runner',
      name: 'gpu-host-01',
      capacity: 4,
      labels: {},
      natsUrls: null,
      tls: { caFile: null },
      logLevel: 'info',
      heartbeatSeconds: 5,
      drainGraceSeconds: 30,
    });
    expect(Object.isFrozen(sut)).toBe(true);
  });

  it('lets SWITCHYARD_RUNNER_* variables override the file', () => {
    const sut = loadRunnerConfig({
      path: '/srv/runner.json',
      env: {
        SWITCHYARD_RUNNER_CAPACITY: '16',
        SWITCHYARD_RUNNER_LABELS: 'rack=b3, gpu=a100',
        SWITCHYARD_RUNNER_NATS_URLS: 'tls://nats-1.example.com:4222, tls://nats-2.example.com:4222',
        SWITCHYARD_RUNNER_TLS_CA_FILE: '/etc/switchyard/ca.pem',
        SWITCHYARD_RUNNER_NAME: '',
      },
      readFile: files({
        '/srv/runner.json': { controlPlaneUrl: 'https://cp.example.com', name: 'from-file', capacity: 2, labels: { zone: 'x' } },
      }),
    });

    expect(sut).toMatchObject({
      configPath: '/srv/runner.json',
      name: 'from-file',
      capacity: 16,
      labels: { rack: 'b3', gpu: 'a100' },
      natsUrls: ['tls://nats-1.example.com:4222', 'tls://nats-2.example.com:4222'],
      tls: { caFile: '/etc/switchyard/ca.pem' },
    });
  });

  it('runs from the environment alone when the default file is absent', () => {
    const sut = loadRunnerConfig({ env: { SWITCHYARD_RUNNER_CONTROL_PLANE_URL: 'http://localhost:4000' }, readFile: () => null });

    expect(sut.controlPlaneUrl).toBe('http://localhost:4000');
  });

  it('requires a file named by --config or SWITCHYARD_RUNNER_CONFIG to exist', () => {
    const env = { SWITCHYARD_RUNNER_CONTROL_PLANE_URL: 'https://cp.example.com' };

    expect(problemsOf({ path: '/srv/missing.json', env, readFile: () => null })).toEqual(['/srv/missing.json: config file not found']);
    expect(problemsOf({ env: { ...env, SWITCHYARD_RUNNER_CONFIG: '/srv/other.json' }, readFile: () => null })).toEqual([
      '/srv/other.json: config file not found',
    ]);
  });

  it('reports one line per problem, naming the key and where the bad value came from', () => {
    const problems = problemsOf({
      env: { SWITCHYARD_RUNNER_CAPACITY: 'lots', SWITCHYARD_RUNNER_NATS_URLS: 'http://nats:4222' },
      readFile: files({
        '/etc/switchyard/runner.json': { controlPlaneUrl: 'http://10.0.0.5:4000', dataDir: 'var/lib/runner', capcity: 3 },
      }),
    });

    expect(problems).toEqual(
      expect.arrayContaining([
        'controlPlaneUrl: expected an https:// URL (http:// only for localhost) (in /etc/switchyard/runner.json)',
        'dataDir: expected an absolute path (in /etc/switchyard/runner.json)',
        'capacity: expected a whole number from 1 to 1000 (from SWITCHYARD_RUNNER_CAPACITY)',
        'natsUrls.0: expected a nats:// or tls:// URL (from SWITCHYARD_RUNNER_NATS_URLS)',
        'capcity: unknown key (in /etc/switchyard/runner.json)',
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('says how to set a missing control-plane URL, and reports a file that is not JSON', () => {
    expect(problemsOf({ env: {}, readFile: () => null })).toEqual([
      'controlPlaneUrl: is required (set it in /etc/switchyard/runner.json or SWITCHYARD_RUNNER_CONTROL_PLANE_URL)',
    ]);
    expect(
      problemsOf({ env: { SWITCHYARD_RUNNER_CONTROL_PLANE_URL: 'https://cp.example.com' }, readFile: () => '{"controlPlaneUrl": ' })[0],
    ).toMatch(/^\/etc\/switchyard\/runner.json: not valid JSON/);
  });

  it('refuses malformed labels from the environment', () => {
    const problems = problemsOf({
      env: { SWITCHYARD_RUNNER_CONTROL_PLANE_URL: 'https://cp.example.com', SWITCHYARD_RUNNER_LABELS: 'rack=b3,oops' },
      readFile: () => null,
    });

    expect(problems).toEqual(['SWITCHYARD_RUNNER_LABELS: expected name=value pairs separated by commas, got "oops"']);
  });
});

import {
  envFromJson,
  envToJson,
  launchSpecChanges,
  launchSpecProblems,
  secretEnvFromJson,
  secretEnvToJson,
  type LaunchSpec,
} from './launch-spec.js';

const stdio: LaunchSpec = { transport: 'STDIO', command: 'npx', args: ['-y', 'mcp-fs'], env: [], secretEnv: [], url: null };
const http: LaunchSpec = { transport: 'STREAMABLE_HTTP', command: null, args: [], env: [], secretEnv: [], url: 'http://127.0.0.1:8080/mcp' };

const pathsOf = (spec: LaunchSpec) => launchSpecProblems(spec).map((p) => p.path);

describe('launchSpecProblems', () => {
  it('accepts a stdio command and an http URL', () => {
    expect(launchSpecProblems(stdio)).toEqual([]);
    expect(launchSpecProblems(http)).toEqual([]);
    expect(launchSpecProblems({ ...http, url: 'https://mcp.internal:8443/mcp' })).toEqual([]);
  });

  it('requires a command and no url for STDIO', () => {
    expect(pathsOf({ ...stdio, command: null })).toEqual(['command']);
    const problems = launchSpecProblems({ ...stdio, url: 'http://localhost/mcp' });
    expect(problems).toEqual([{ path: 'url', message: expect.stringMatching(/must be empty when transport is STDIO/) }]);
  });

  it('requires an http(s) url and no command or args for STREAMABLE_HTTP', () => {
    expect(launchSpecProblems({ ...http, url: null })).toEqual([
      { path: 'url', message: 'is required when transport is STREAMABLE_HTTP' },
    ]);
    for (const url of ['ftp://host/mcp', 'file://host/sock', 'localhost:8080', 'not a url']) {
      expect(launchSpecProblems({ ...http, url })).toEqual([{ path: 'url', message: 'must be an http:// or https:// URL' }]);
    }
    expect(pathsOf({ ...http, command: 'node', args: ['server.js'] })).toEqual(['command', 'args']);
  });

  it('reports a duplicate variable at the repeat', () => {
    const env = [
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
      { name: 'A', value: '3' },
    ];
    expect(launchSpecProblems({ ...stdio, env })).toEqual([{ path: 'env.2.name', message: 'duplicate environment variable "A"' }]);
    const secretEnv = [
      { name: 'TOKEN', secret: 'one' },
      { name: 'TOKEN', secret: 'two' },
    ];
    expect(pathsOf({ ...stdio, secretEnv })).toEqual(['secretEnv.1.name']);
  });

  it('refuses a variable set both plainly and from a secret, on the secretEnv entry', () => {
    const spec = { ...stdio, env: [{ name: 'API_KEY', value: 'plain' }], secretEnv: [{ name: 'API_KEY', secret: 'api-key' }] };
    expect(launchSpecProblems(spec)).toEqual([
      { path: 'secretEnv.0.name', message: expect.stringMatching(/"API_KEY" is also set in env/) },
    ]);
  });
});

describe('launchSpecChanges', () => {
  it('finds nothing between equal specs, whatever the env order', () => {
    const a = { ...stdio, env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] };
    const b = { ...stdio, env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] };
    expect(launchSpecChanges(a, b)).toEqual([]);
  });

  it('names each changed field', () => {
    expect(launchSpecChanges(stdio, http)).toEqual(['transport', 'command', 'args', 'url']);
    expect(launchSpecChanges(stdio, { ...stdio, args: ['-y', 'mcp-fs', '--ro'] })).toEqual(['args']);
    expect(launchSpecChanges(stdio, { ...stdio, env: [{ name: 'A', value: '1' }] })).toEqual(['env']);
    expect(launchSpecChanges(stdio, { ...stdio, secretEnv: [{ name: 'T', secret: 's' }] })).toEqual(['secretEnv']);
  });
});

describe('env storage', () => {
  it('round-trips variables and secret references through their JSON form', () => {
    const env = [{ name: 'LOG_LEVEL', value: 'debug' }];
    const secretEnv = [{ name: 'GITHUB_TOKEN', secret: 'github-token' }];
    expect(envToJson(env)).toEqual({ LOG_LEVEL: 'debug' });
    expect(envFromJson(envToJson(env))).toEqual(env);
    expect(secretEnvFromJson(secretEnvToJson(secretEnv))).toEqual(secretEnv);
  });

  it('reads anything but an object as no variables', () => {
    expect(envFromJson(null)).toEqual([]);
    expect(envFromJson(['A'])).toEqual([]);
    expect(secretEnvFromJson('x')).toEqual([]);
  });
});

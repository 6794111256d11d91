import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from './cli-io.js';
import { runCli, USAGE } from './run-cli.js';

function captureIo(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (text) => (out += text), err: (text) => (err += text), stdout: () => out, stderr: () => err };
}

describe('switchyard-runner CLI', () => {
  let dir: string;
  let configPath: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sy-runner-cli-'));
    configPath = join(dir, 'runner.json');
    writeFileSync(configPath, JSON.stringify({ controlPlaneUrl: 'https://cp.example.com', dataDir: dir, name: 'rack-b3-01' }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const status = async () => {
    const io = captureIo();
    const code = await runCli(['status', '--config', configPath], { env: {}, io });
    return { code, out: io.stdout(), err: io.stderr() };
  };

  it('prints the usage for --help and exits 0', async () => {
    const io = captureIo();

    await expect(runCli(['--help'], { env: {}, io })).resolves.toBe(0);
    expect(io.stdout()).toBe(USAGE);
    expect(USAGE).toMatch(/enroll --url <control-plane> --token <token>/);
    expect(USAGE).toMatch(/\n {2}start /);
    expect(USAGE).toMatch(/\n {2}status /);
  });

  it('exits 2 with the usage for no command, an unknown command or option', async () => {
    for (const argv of [[], ['launch'], ['status', '--verbose']]) {
      const io = captureIo();
      await expect(runCli(argv, { env: {}, io })).resolves.toBe(2);
      expect(io.stderr()).toContain('Usage: switchyard-runner');
    }
  });

  it('enroll: refuses plain http to a host other than localhost before sending the token', async () => {
    const io = captureIo();
    const argv = ['enroll', '--config', configPath, '--url', 'http://10.0.0.5:4000', '--token', 'syet_x'];

    await expect(runCli(argv, { env: {}, io })).resolves.toBe(1);
    expect(io.stderr()).toBe('switchyard-runner: --url: plain http:// is only allowed for localhost; use https:// (or --insecure-http on a network you trust)\n');
  });

  it('enroll: needs exactly one token source, and says which', async () => {
    const noToken = captureIo();
    await expect(runCli(['enroll', '--config', configPath], { env: {}, io: noToken })).resolves.toBe(1);
    expect(noToken.stderr()).toBe('switchyard-runner: an enrollment token is required: --token <token>, --token-file <path> or --token - (stdin)\n');

    const both = captureIo();
    await expect(runCli(['enroll', '--config', configPath, '--token', 't', '--token-file', 'token.txt'], { env: {}, io: both })).resolves.toBe(1);
    expect(both.stderr()).toBe('switchyard-runner: give either --token or --token-file, not both\n');

    const emptyStdin = captureIo();
    const code = await runCli(['enroll', '--config', configPath, '--token', '-'], { env: {}, io: emptyStdin, readStdin: async () => '  \n' });
    expect([code, emptyStdin.stderr()]).toEqual([1, 'switchyard-runner: the enrollment token is empty\n']);
  });

  it('enroll: an unreachable control plane is one line and exit 1, with nothing written', async () => {
    const io = captureIo();
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const code = await runCli(['enroll', '--config', configPath, '--url', 'http://127.0.0.1:1', '--token', 'syet_x'], { env: {}, io });

    expect(code).toBe(1);
    expect(io.stderr()).toMatch(/^switchyard-runner: cannot reach the control plane at http:\/\/127\.0\.0\.1:1: ECONNREFUSED .*\n$/);
    expect(existsSync(join(dir, 'identity.json'))).toBe(false);
  });

  it('start: a host that has not enrolled yet exits 3 and says how to enroll', async () => {
    const io = captureIo();
    const signals = { onStop: () => () => undefined };

    await expect(runCli(['start', '--config', configPath], { env: {}, io, signals })).resolves.toBe(3);
    expect(io.stderr()).toBe(`switchyard-runner: not enrolled (no ${join(dir, 'identity.json')}): run switchyard-runner enroll --url <control-plane> --token <token>\n`);
  });

  it('start: credentials readable by others are refused with the fix', async () => {
    writeFileSync(join(dir, 'identity.json'), JSON.stringify({ runnerId: 'run-1', natsUrls: ['nats://127.0.0.1:4222'] }));
    writeFileSync(join(dir, 'runner.creds'), 'creds');
    chmodSync(join(dir, 'runner.creds'), 0o644);
    const io = captureIo();

    await expect(runCli(['start', '--config', configPath], { env: {}, io, signals: { onStop: () => () => undefined } })).resolves.toBe(1);
    expect(io.stderr()).toContain(`has mode 0644: expected 0600 — fix with: chmod 600 ${join(dir, 'runner.creds')}`);
  });

  it('status: a host that has not enrolled yet exits 3 and says how to enroll', async () => {
    const { code, out } = await status();

    expect(code).toBe(3);
    expect(out).toContain(`config:        ${configPath}\n`);
    expect(out).toContain('name:          rack-b3-01\n');
    expect(out).toContain(`runner id:     not enrolled (no ${join(dir, 'identity.json')}): run switchyard-runner enroll`);
    expect(out).toContain(`credentials:   ${join(dir, 'runner.creds')} (missing)\n`);
  });

  it('status: an enrolled runner with a 0600 credential file exits 0 and shows its id', async () => {
    writeFileSync(join(dir, 'identity.json'), JSON.stringify({ runnerId: 'run_01J9ZB', enrolledAt: '2026-05-04T10:00:00Z' }));
    writeFileSync(join(dir, 'runner.creds'), 'creds', { mode: 0o600 });

    const { code, out } = await status();

    expect(out).toContain('runner id:     run_01J9ZB (enrolled 2026-05-04T10:00:00Z)\n');
    expect(out).toContain(`credentials:   ${join(dir, 'runner.creds')} (mode 0600)\n`);
    expect(code).toBe(0);
  });

  it('status: a credential file readable by others is a problem (exit 1) with the fix', async () => {
    writeFileSync(join(dir, 'identity.json'), JSON.stringify({ runnerId: 'run_01J9ZB' }));
    writeFileSync(join(dir, 'runner.creds'), 'creds');
    chmodSync(join(dir, 'runner.creds'), 0o644);

    const { code, out } = await status();

    expect(out).toContain(`(mode 0644: expected 0600 — fix with: chmod 600 ${join(dir, 'runner.creds')})`);
    expect(code).toBe(1);
  });

  it('status: enrolled but without credentials, or with an unreadable identity, exits 1', async () => {
    writeFileSync(join(dir, 'identity.json'), JSON.stringify({ runnerId: 'run_01J9ZB' }));
    expect((await status()).code).toBe(1);

    writeFileSync(join(dir, 'runner.creds'), 'creds', { mode: 0o600 });
    writeFileSync(join(dir, 'identity.json'), '{"name": "no id"}');
    const { code, out } = await status();
    expect(out).toContain('identity.json is unreadable: no runnerId in it');
    expect(code).toBe(1);
  });

  it('status: an invalid configuration exits 1 with one line per problem', async () => {
    writeFileSync(configPath, JSON.stringify({ controlPlaneUrl: 'ftp://cp', capacity: 0 }));
    const io = captureIo();

    await expect(runCli(['status', '--config', configPath], { env: {}, io })).resolves.toBe(1);
    expect(io.stderr().split('\n').filter((line) => line.startsWith('  '))).toEqual([
      `  controlPlaneUrl: expected an https:// URL (http:// only for localhost) (in ${configPath})`,
      `  capacity: expected a whole number from 1 to 1000 (in ${configPath})`,
    ]);
  });
});

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

  it('says plainly that enroll and start are not implemented yet', async () => {
    const io = captureIo();

    await expect(runCli(['enroll', '--url', 'https://cp.example.com', '--token', 't'], { env: {}, io })).resolves.toBe(2);
    expect(io.stderr()).toBe('switchyard-runner: not implemented yet: enrollment lands with the NATS credentials work\n');
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

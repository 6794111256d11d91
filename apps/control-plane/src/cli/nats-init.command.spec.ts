import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNatsAuthBundle, publicKeyOfSeed } from '@switchyard/nats-auth';
import { runNatsInitCommand } from './nats-init.command.js';

describe('switchyard nats init', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nats-init-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a valid bundle and the server config, both 0600, and prints no secret', async () => {
    const out = join(dir, 'nats');
    const lines: string[] = [];
    expect(await runNatsInitCommand(['--out', out, '--operator-name', 'acme'], (line) => lines.push(line))).toBe(0);

    const parsed = parseNatsAuthBundle(readFileSync(join(out, 'nats-auth.json'), 'utf8'));
    expect(parsed.problems).toBeUndefined();
    const bundle = parsed.bundle!;
    expect(bundle.operator.name).toBe('acme');
    const config = readFileSync(join(out, 'nats.conf'), 'utf8');
    expect(config).toContain(`system_account: ${bundle.systemAccount.publicKey}`);
    expect(config).toContain('  dir: "jwt"');
    for (const file of ['nats-auth.json', 'nats.conf']) expect(statSync(join(out, file)).mode & 0o777).toBe(0o600);

    const printed = lines.join('\n');
    expect(printed).toContain(bundle.appAccount.publicKey);
    expect(printed).not.toMatch(/\bS[OAU][A-Z2-7]{50,}/);
    expect(printed).toContain('root seed was not kept');
  });

  it('refuses to overwrite without --force, replaces with it, and can keep the root seed apart', async () => {
    writeFileSync(join(dir, 'nats.conf'), 'mine');
    await expect(runNatsInitCommand(['--out', dir], () => undefined)).rejects.toThrow(`refusing to overwrite ${join(dir, 'nats.conf')}`);
    expect(readFileSync(join(dir, 'nats.conf'), 'utf8')).toBe('mine');
    expect(existsSync(join(dir, 'nats-auth.json'))).toBe(false);

    const rootFile = join(dir, 'operator.nk');
    expect(await runNatsInitCommand(['--out', dir, '--force', '--resolver-dir', '/var/lib/nats/jwt', '--operator-key-out', rootFile], () => undefined)).toBe(0);
    expect(statSync(join(dir, 'nats.conf')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'nats.conf'), 'utf8')).toContain('  dir: "/var/lib/nats/jwt"');
    const bundle = parseNatsAuthBundle(readFileSync(join(dir, 'nats-auth.json'), 'utf8')).bundle!;
    const rootSeed = readFileSync(rootFile, 'utf8').trim();
    expect(statSync(rootFile).mode & 0o777).toBe(0o600);
    // The kept seed is the key the operator JWT was issued for, and it is not in the bundle.
    expect(bundle.operator.jwt).toContain('.');
    expect(JSON.parse(Buffer.from(bundle.operator.jwt.split('.')[1]!, 'base64url').toString()).sub).toBe(publicKeyOfSeed(rootSeed, 'operator'));
    expect(readFileSync(join(dir, 'nats-auth.json'), 'utf8')).not.toContain(rootSeed);
  });

  it('needs --out', async () => {
    await expect(runNatsInitCommand([], () => undefined)).rejects.toThrow('nats init needs --out <dir>');
  });
});

// The CLI as the root scripts run it: the built dist/migrations/cli.js in a child process, so
// exit codes and output are what `npm run db:check | db:migration:create` give.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { repoRoot } from '../repo-root.js';
import { testEnv } from '../testing.js';

jest.setTimeout(120_000);

const root = repoRoot();
const cliPath = join(root, 'libs', 'devstack', 'dist', 'migrations', 'cli.js');
const TEMP_SERVER_LINE = /^started a temporary Postgres for the shadow database in (.+)$/m;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, SWITCHYARD_SHADOW_PG_URL: undefined, ...env };
  for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key];
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { cwd: root, env: childEnv }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('migrations cli', () => {
  let work: string;
  let shadow: { SWITCHYARD_SHADOW_PG_URL: string };
  let driftedSchema: string;

  beforeAll(async () => {
    // Test what the scripts run: the build output, brought up to date first.
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'libs/devstack'], { cwd: root }, (error, stdout) =>
        error ? reject(new Error(`tsc -b libs/devstack failed:\n${stdout}`)) : resolve(),
      ),
    );
    shadow = { SWITCHYARD_SHADOW_PG_URL: testEnv().pgUrl };
    work = await mkdtemp(join(tmpdir(), 'switchyard-migrations-cli-'));
    // schema.prisma with one more optional column on Secret, which no migration creates.
    const schema = await readFile(join(root, 'prisma', 'schema.prisma'), 'utf8');
    const changed = schema.replace(/(model Secret \{\n)/, '$1  rotatedAt DateTime?\n');
    expect(changed).not.toBe(schema);
    driftedSchema = join(work, 'schema.prisma');
    await writeFile(driftedSchema, changed);
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** A copy of the committed migrations, so nothing can write to the real ones. */
  async function migrationsCopy(name: string): Promise<string> {
    const dir = join(work, name);
    await cp(join(root, 'prisma', 'migrations'), dir, { recursive: true });
    return dir;
  }

  it('check-drift without SWITCHYARD_SHADOW_PG_URL: exit 0 on the committed migrations, on a temporary Postgres it removes', async () => {
    const clean = await run(['check-drift']);
    expect(clean).toMatchObject({ code: 0, stdout: 'migrations match schema.prisma\n' });
    const dir = TEMP_SERVER_LINE.exec(clean.stderr)?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(dir!)).toBe(false);
  });

  it('check-drift: exit 2 with instructions on drift, on the server SWITCHYARD_SHADOW_PG_URL names', async () => {
    const drifted = await run(['check-drift', '--schema', driftedSchema], shadow);
    expect(drifted.code).toBe(2);
    expect(drifted.stderr).toContain(
      'schema.prisma has changes with no migration: run npm run db:migration:create -- --name <name>',
    );
    expect(drifted.stderr).toContain('rotatedAt');
    expect(drifted.stderr).not.toMatch(TEMP_SERVER_LINE);
  });

  it('create-migration: needs a name, and writes nothing when there are no changes', async () => {
    const unnamed = await run(['create-migration']);
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toContain('create-migration needs --name <snake_name>');
    const migrationsDir = await migrationsCopy('unchanged');
    const before = await readdir(migrationsDir);
    const none = await run(['create-migration', '--name', 'nothing', '--migrations-dir', migrationsDir], shadow);
    expect(none).toMatchObject({ code: 0, stdout: 'no changes: schema.prisma matches the migrations, nothing written\n' });
    expect(await readdir(migrationsDir)).toEqual(before);
  });

  it('create-migration: writes the missing change and says where', async () => {
    const migrationsDir = await migrationsCopy('changed');
    const created = await run(
      ['create-migration', '--name', 'secret_rotated_at', '--schema', driftedSchema, '--migrations-dir', migrationsDir],
      shadow,
    );
    expect(created.code).toBe(0);
    const path = /^created (.+\/\d{14}_secret_rotated_at\/migration\.sql)\n$/.exec(created.stdout)?.[1];
    expect(path).toBeDefined();
    expect(await readFile(join(root, path!), 'utf8')).toMatch(/ALTER TABLE "Secret" ADD COLUMN\s+"rotatedAt"/);
  });

  it('rejects unknown commands and options with usage', async () => {
    for (const args of [['migrate'], ['check-drift', '--force'], []]) {
      const result = await run(args);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('usage:');
    }
  });
});

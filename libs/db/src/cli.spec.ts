// The CLI as the root scripts run it: the built dist/cli.js in a child process, so exit codes
// and output are what `npm run db:migrate | db:migration:create | db:check` give.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { findRepoRoot } from './paths.js';
import { createTestDatabase, TEST_PG_URL_VAR, type TestDatabase } from './testing.js';

jest.setTimeout(120_000);

const root = findRepoRoot();
const cliPath = join(root, 'libs', 'db', 'dist', 'cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: undefined, SWITCHYARD_SHADOW_PG_URL: undefined, ...env };
  for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key];
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { cwd: root, env: childEnv }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('db cli', () => {
  let db: TestDatabase;
  let work: string;

  beforeAll(async () => {
    // Test what the scripts run: the build output, brought up to date first.
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'libs/db'], { cwd: root }, (error, stdout) =>
        error ? reject(new Error(`tsc -b libs/db failed:\n${stdout}`)) : resolve(),
      ),
    );
    db = await createTestDatabase();
    work = await mkdtemp(join(tmpdir(), 'switchyard-cli-'));
  });
  afterAll(async () => {
    await db?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('migrate: refuses to run without DATABASE_URL', async () => {
    const result = await run(['migrate'], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL is not set');
  });

  it('migrate: prints one line per applied migration, then that nothing is pending', async () => {
    const first = await run(['migrate'], { DATABASE_URL: db.url });
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^applied \d{14}_init\napplied \d{14}_append_only_audit\n$/);

    const second = await run(['migrate'], { DATABASE_URL: db.url });
    expect(second).toMatchObject({ code: 0, stdout: 'no pending migrations\n' });
  });

  it('migrate --rolled-back: exit 1 when there is no such failed migration', async () => {
    const result = await run(['migrate', '--rolled-back', '20000101000000_nope'], { DATABASE_URL: db.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no failed migration named 20000101000000_nope is recorded');
  });

  it('check-drift: exit 0 on the committed migrations, exit 2 with instructions on drift', async () => {
    const clean = await run(['check-drift'], { SWITCHYARD_SHADOW_PG_URL: process.env[TEST_PG_URL_VAR] });
    expect(clean).toMatchObject({ code: 0, stdout: 'migrations match schema.prisma\n' });

    const schema = (await readFile(join(root, 'prisma', 'schema.prisma'), 'utf8')).replace(
      /(model Secret \{\n)/,
      '$1  rotatedAt DateTime?\n',
    );
    const schemaPath = join(work, 'schema.prisma');
    await writeFile(schemaPath, schema);
    const drifted = await run(['check-drift', '--schema', schemaPath], { SWITCHYARD_SHADOW_PG_URL: process.env[TEST_PG_URL_VAR] });
    expect(drifted.code).toBe(2);
    expect(drifted.stderr).toContain(
      'schema.prisma has changes with no migration: run npm run db:migration:create -- --name <name>',
    );
    expect(drifted.stderr).toContain('rotatedAt');
  });

  it('create-migration: needs a name, and writes nothing when there are no changes', async () => {
    expect((await run(['create-migration'], {})).code).toBe(1);
    // A copy, so a schema change without migration in the working tree cannot write to the real one.
    const migrationsDir = join(work, 'migrations');
    await cp(join(root, 'prisma', 'migrations'), migrationsDir, { recursive: true });
    const before = await readdir(migrationsDir);
    const none = await run(['create-migration', '--name', 'nothing', '--migrations-dir', migrationsDir], {
      SWITCHYARD_SHADOW_PG_URL: process.env[TEST_PG_URL_VAR],
    });
    expect(none).toMatchObject({ code: 0 });
    expect(none.stdout).toContain('no changes');
    expect(await readdir(migrationsDir)).toEqual(before);
  });

  it('rejects unknown commands and options with usage', async () => {
    const result = await run(['migrate', '--force'], { DATABASE_URL: db.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('usage:');
  });
});

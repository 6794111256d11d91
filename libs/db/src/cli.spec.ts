// The CLI as the root script runs it: the built dist/cli.js in a child process, so exit codes
// and output are what `npm run db:migrate` gives.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readdir } from 'node:fs/promises';
import { defaultMigrationsDir, findRepoRoot } from './paths.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

jest.setTimeout(120_000);

const root = findRepoRoot();
const cliPath = join(root, 'libs', 'db', 'dist', 'cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: undefined, ...env };
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

  beforeAll(async () => {
    // Test what the scripts run: the build output, brought up to date first.
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'libs/db'], { cwd: root }, (error, stdout) =>
        error ? reject(new Error(`tsc -b libs/db failed:\n${stdout}`)) : resolve(),
      ),
    );
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('migrate: refuses to run without DATABASE_URL', async () => {
    const result = await run(['migrate'], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL is not set');
  });

  it('migrate: prints one line per applied migration, then that nothing is pending', async () => {
    const first = await run(['migrate'], { DATABASE_URL: db.url });
    expect(first).toMatchObject({ code: 0, stderr: '' });
    // Every migration in the repository, in name order, one line each.
    const names = (await readdir(defaultMigrationsDir(), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(names.slice(0, 2)).toEqual([expect.stringMatching(/_init$/), expect.stringMatching(/_append_only_audit$/)]);
    expect(first.stdout).toBe(names.map((name) => `applied ${name}\n`).join(''));

    const second = await run(['migrate'], { DATABASE_URL: db.url });
    expect(second).toMatchObject({ code: 0, stdout: 'no pending migrations\n' });
  });

  it('migrate --rolled-back: exit 1 when there is no such failed migration', async () => {
    const result = await run(['migrate', '--rolled-back', '20000101000000_nope'], { DATABASE_URL: db.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no failed migration named 20000101000000_nope is recorded');
  });

  it('points the moved schema commands to their scripts', async () => {
    const drift = await run(['check-drift'], {});
    expect(drift.code).toBe(1);
    expect(drift.stderr).toContain('check-drift is development tooling in libs/devstack now: run npm run db:check');
    const create = await run(['create-migration', '--name', 'x'], {});
    expect(create.code).toBe(1);
    expect(create.stderr).toContain('run npm run db:migration:create');
  });

  it('rejects unknown commands and options with usage', async () => {
    const result = await run(['migrate', '--force'], { DATABASE_URL: db.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('usage:');
  });
});

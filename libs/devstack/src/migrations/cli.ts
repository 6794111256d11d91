#!/usr/bin/env node
// `npm run db:migration:create | db:check`: the jobs of `prisma migrate dev --create-only` and
// `prisma migrate diff`, which spawn Prisma's native schema engine (it cannot be downloaded
// here). Development tooling, so it lives in devstack; applying migrations is `npm run db:migrate`
// (libs/db), which also runs in production.
// Exit codes: 0 ok · 1 error · 2 drift (check-drift only).
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { checkDrift, createMigration } from './migration-tools.js';

const USAGE = `usage: cli.js <command> [options]
  create-migration --name <snake_name> [--schema <file>] [--migrations-dir <dir>]
  check-drift [--schema <file>] [--migrations-dir <dir>]
Both replay the migrations on a shadow database: on $SWITCHYARD_SHADOW_PG_URL
(a role with CREATEDB) when set, otherwise on a temporary Postgres in a temp dir.`;

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
  const options = {
    schemaPath: values.schema,
    migrationsDir: values['migrations-dir'],
    shadowUrl: process.env['SWITCHYARD_SHADOW_PG_URL'] || undefined,
    log: warn,
  };

  switch (command) {
    case 'create-migration': {
      if (!values.name) throw new UsageError('create-migration needs --name <snake_name>');
      const created = await createMigration({ ...options, name: values.name });
      if (!created.path) {
        say('no changes: schema.prisma matches the migrations, nothing written');
        return 0;
      }
      say(`created ${relative(process.cwd(), created.path)}`);
      return 0;
    }
    case 'check-drift': {
      const report = await checkDrift(options);
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

// Exit explicitly once the answer is known: after an engine panic the engine's own call never
// settles, and whatever it still holds must not keep the command from ending.
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

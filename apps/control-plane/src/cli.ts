#!/usr/bin/env node
import 'reflect-metadata';
import { DomainError } from '@switchyard/protocol';
import { runGraphqlSchemaCommand } from './cli/graphql-schema.command.js';
import { runKeysCreateCommand } from './cli/keys-create.command.js';
import { runMigrateCommand } from './cli/migrate.command.js';
import { runNatsInitCommand } from './cli/nats-init.command.js';
import { CliUsageError } from './cli/cli-error.js';

const USAGE = `Usage: switchyard <command> [options]

Commands:
  keys create --role <ADMIN|OPERATOR|VIEWER|AGENT> --name <name>
              [--scopes mcp:call] [--servers a,b] [--tools srv__tool,…]
              [--expires-in-days N | --never-expires] [--json]
                              Create an API key and print it once (needs SWITCHYARD_DATABASE_URL)
  migrate                     Apply pending database migrations (needs SWITCHYARD_DATABASE_URL)
  nats init --out <dir> [--force] [--operator-name <name>] [--resolver-dir <dir>]
            [--operator-key-out <file>]
                              Create the NATS operator, accounts and control-plane users once:
                              <dir>/nats-auth.json (secrets) and <dir>/nats.conf (for nats-server)
  graphql-schema --write|--check [--file <path>]
                              Write the GraphQL schema, or exit 1 when the committed one is stale
  help                        Show this help
`;

async function run(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  switch (command) {
    case 'keys':
      if (sub !== 'create') throw new CliUsageError(`unknown keys subcommand "${sub ?? ''}" (expected: create)`);
      return runKeysCreateCommand(rest);
    case 'migrate':
      return runMigrateCommand();
    case 'nats':
      if (sub !== 'init') throw new CliUsageError(`unknown nats subcommand "${sub ?? ''}" (expected: init)`);
      return runNatsInitCommand(rest);
    case 'graphql-schema':
      return runGraphqlSchemaCommand([sub, ...rest].filter((a): a is string => a !== undefined));
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new CliUsageError(`unknown command "${command}"`);
  }
}

run(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    if (error instanceof CliUsageError) {
      process.stderr.write(`switchyard: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    const message = error instanceof DomainError ? `${error.code}: ${error.message}` : (error as Error).message;
    process.stderr.write(`switchyard: ${message}\n`);
    process.exit(1);
  });


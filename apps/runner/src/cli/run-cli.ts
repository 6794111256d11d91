import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH } from '../config/runner-config.schema.js';
import { CliUsageError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { runStatusCommand } from './status.command.js';

export const USAGE = `Usage: switchyard-runner <command> [options]

Commands:
  enroll --url <control-plane> --token <token>
                    Enroll this host once: create its key pair and register with the control plane
  start             Connect to the control plane and run the MCP servers placed on this runner
  status            Show the config in use, the runner id and the state of the credential file
  help              Show this help

Options:
  --config <path>   Config file (default ${DEFAULT_CONFIG_PATH}, or $SWITCHYARD_RUNNER_CONFIG)
  -h, --help        Show this help

Exit codes: 0 ok, 1 error, 2 usage (or not implemented yet), 3 not enrolled (status)
`;

/** Enrollment and the NATS side arrive with the credential work; until then say so plainly. */
const NOT_YET: Record<string, string> = {
  enroll: 'not implemented yet: enrollment lands with the NATS credentials work',
  start: 'not implemented yet: start (NATS connection, heartbeat, relay) lands with the NATS credentials work',
};

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        url: { type: 'string' },
        token: { type: 'string' },
      },
    });
  } catch (error) {
    // parseArgs' messages are already one readable line ("Unknown option '--x'").
    throw new CliUsageError((error as Error).message);
  }
}

/** The whole CLI as a function: arguments in, exit code out. */
export async function runCli(argv: string[], context: { env: Record<string, string | undefined>; io: CliIo }): Promise<number> {
  const { io } = context;
  try {
    const { values, positionals } = parse(argv);
    const [command, ...extra] = positionals;
    if (values.help || command === 'help') {
      io.out(USAGE);
      return 0;
    }
    if (command === undefined) {
      io.err(USAGE);
      return 2;
    }
    if (extra.length > 0) throw new CliUsageError(`unexpected argument "${extra[0]}"`);
    switch (command) {
      case 'status':
        return await runStatusCommand({ configPath: values.config, env: context.env, io });
      case 'enroll':
      case 'start':
        io.err(`switchyard-runner: ${NOT_YET[command]}\n`);
        return 2;
      default:
        throw new CliUsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.err(`switchyard-runner: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`switchyard-runner: ${(error as Error).message}\n`);
    return 1;
  }
}

import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH } from '../config/runner-config.schema.js';
import { CliUsageError } from './cli-error.js';
import { processSignals, readAllStdin, type CliIo, type SignalSource } from './cli-io.js';
import { runEnrollCommand } from './enroll.command.js';
import { runStartCommand } from './start.command.js';
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

Enroll options:
  --url <url>       The control plane (https://; http:// only for localhost). Default: the config's controlPlaneUrl
  --token <token>   The one-time enrollment token; "--token -" reads it from stdin
  --token-file <path>
                    Read the token from a file (keeps it out of ps and shell history)
  --name <name>     The runner's name in its nodepool (default: the config's name, or the host name)
  --insecure-http   Allow a plain http:// URL to a host other than localhost
  --force           Enroll again although this host is enrolled (a new runner; revoke the old one)

Exit codes: 0 ok, 1 error, 2 usage, 3 not enrolled or credentials refused (enroll again)
`;

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
        'token-file': { type: 'string' },
        name: { type: 'string' },
        'insecure-http': { type: 'boolean' },
        force: { type: 'boolean' },
      },
    });
  } catch (error) {
    // parseArgs' messages are already one readable line ("Unknown option '--x'").
    throw new CliUsageError((error as Error).message);
  }
}

export interface CliContext {
  env: Record<string, string | undefined>;
  io: CliIo;
  /** `enroll --token -`; defaults to the process's stdin. */
  readStdin?: () => Promise<string>;
  /** Where `start` hears SIGTERM/SIGINT; defaults to the process. */
  signals?: SignalSource;
}

/** The whole CLI as a function: arguments in, exit code out. */
export async function runCli(argv: string[], context: CliContext): Promise<number> {
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
        return await runEnrollCommand({
          configPath: values.config,
          env: context.env,
          io,
          url: values.url,
          token: values.token,
          tokenFile: values['token-file'],
          name: values.name,
          insecureHttp: values['insecure-http'] ?? false,
          force: values.force ?? false,
          readStdin: context.readStdin ?? readAllStdin,
        });
      case 'start':
        return await runStartCommand({ configPath: values.config, env: context.env, io, signals: context.signals ?? processSignals });
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

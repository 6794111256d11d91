import { readFile } from 'node:fs/promises';
import { AGENT_PLUGINS, type AgentPlugin } from '../agent/agent-plugins.js';
import { CredentialsFileError, CredentialStore } from '../agent/credential-store.js';
import { isCredentialRefusal } from '../agent/connection-status.js';
import { RunnerAgent, type AgentExit } from '../agent/runner-agent.js';
import { identitySchema, runnerFiles, type RunnerIdentity } from '../config/data-files.js';
import { loadRunnerConfig, RunnerConfigError, type RunnerConfig } from '../config/runner-config.js';
import { detectGpus } from '../gpu/nvidia-smi.js';
import { createRunnerLogger } from '../logging/logger.js';
import { ServerSupervisor } from '../supervisor/server-supervisor.js';
import { runnerSoftwareVersion } from '../version.js';
import type { CliIo, SignalSource } from './cli-io.js';

/** 3 = "enroll (again)": not enrolled, or NATS refuses the credential (revoked, expired). */
export const START_EXIT = { OK: 0, FAILED: 1, ENROLL: 3 } as const;

export interface StartCommandOptions {
  configPath?: string;
  env: Record<string, string | undefined>;
  io: CliIo;
  signals: SignalSource;
  /** Defaults to AGENT_PLUGINS; tests pass their own. */
  plugins?: readonly AgentPlugin[];
}

class StartError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

async function readIdentity(file: string): Promise<RunnerIdentity> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StartError(`not enrolled (no ${file}): run switchyard-runner enroll --url <control-plane> --token <token>`, START_EXIT.ENROLL);
    }
    throw new StartError(`cannot read ${file}: ${(error as Error).message}`, START_EXIT.FAILED);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StartError(`${file} is not valid JSON`, START_EXIT.FAILED);
  }
  const parsed = identitySchema.safeParse(json);
  if (!parsed.success) throw new StartError(`${file} has no runnerId in it`, START_EXIT.FAILED);
  return parsed.data;
}

/** The CA for NATS: the configured one wins over the one received at enrollment; none: the system's. */
async function natsCa(config: RunnerConfig): Promise<string | null> {
  const file = config.tls.caFile ?? runnerFiles(config.dataDir).natsCa;
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && config.tls.caFile === null) return null;
    throw new StartError(`cannot read the CA file ${file}: ${(error as Error).message}`, START_EXIT.FAILED);
  }
}

async function prepare(options: StartCommandOptions) {
  const config = loadRunnerConfig({ path: options.configPath, env: options.env });
  const files = runnerFiles(config.dataDir);
  const identity = await readIdentity(files.identity);
  let credentials: CredentialStore;
  try {
    credentials = await CredentialStore.load(files.credentials);
  } catch (error) {
    if (error instanceof CredentialsFileError) throw new StartError(error.message, START_EXIT.FAILED);
    throw error;
  }
  const { expiresAt } = credentials.times();
  if (expiresAt !== null && expiresAt.getTime() <= Date.now()) {
    // Renewal needs a working connection: a runner stopped for longer than its JWT's lifetime is locked out.
    throw new StartError(`the NATS credentials in ${files.credentials} expired at ${expiresAt.toISOString()}: enroll again (switchyard-runner enroll --force …)`, START_EXIT.ENROLL);
  }
  const natsUrls = config.natsUrls ?? identity.natsUrls;
  if (!natsUrls || natsUrls.length === 0) throw new StartError(`no NATS URLs: ${files.identity} has none and the config sets no natsUrls`, START_EXIT.FAILED);
  return { config, identity, credentials, natsUrls, caPem: await natsCa(config) };
}

/**
 * `switchyard-runner start`: runs until SIGTERM/SIGINT (exit 0 after the drain), or until NATS
 * refuses the credential (exit 3). Logs are JSON lines on stdout; problems before the logger
 * exists go to stderr as one line.
 */
export async function runStartCommand(options: StartCommandOptions): Promise<number> {
  const { io } = options;
  let prepared: Awaited<ReturnType<typeof prepare>>;
  try {
    prepared = await prepare(options);
  } catch (error) {
    if (error instanceof RunnerConfigError) {
      io.err(`${error.message}\n`);
      return START_EXIT.FAILED;
    }
    if (error instanceof StartError) {
      io.err(`switchyard-runner: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
  const { config, identity, credentials, natsUrls, caPem } = prepared;
  const logger = createRunnerLogger(config.logLevel).child({ runnerId: identity.runnerId });
  const supervisor = new ServerSupervisor({ logger: logger.child({ component: 'supervisor' }) });
  const agent = new RunnerAgent({
    runnerId: identity.runnerId,
    natsUrls,
    credentials,
    caPem,
    supervisor,
    logger,
    softwareVersion: runnerSoftwareVersion(),
    capacity: config.capacity,
    heartbeatIntervalMs: config.heartbeatSeconds * 1000,
    drainGraceMs: config.drainGraceSeconds * 1000,
    detectGpus: () => detectGpus({ logger: logger.child({ component: 'gpu' }) }),
  });
  for (const plugin of options.plugins ?? AGENT_PLUGINS) plugin({ agent, supervisor, config, logger });

  const stopListening = options.signals.onStop((signal) => {
    logger.info({ signal }, 'stop requested');
    void agent.shutdown();
  });
  try {
    await agent.start();
  } catch (error) {
    const refused = isCredentialRefusal(error);
    logger.error({ err: (error as Error).message }, refused ? 'NATS refused this runner\'s credentials: enroll again' : 'could not start');
    await agent.shutdown();
    stopListening();
    io.err(`switchyard-runner: ${refused ? `NATS refused this runner's credentials (${(error as Error).message}): enroll again` : (error as Error).message}\n`);
    return refused ? START_EXIT.ENROLL : START_EXIT.FAILED;
  }
  const exit = await agent.exited;
  stopListening();
  const { code, line } = startExitOf(exit);
  if (line !== undefined) io.err(`switchyard-runner: ${line}\n`);
  return code;
}

/** The exit status of `start` once the agent stopped, and the line for stderr (none on a shutdown). */
export function startExitOf(exit: AgentExit): { code: number; line?: string } {
  switch (exit.reason) {
    case 'shutdown':
      return { code: START_EXIT.OK };
    case 'credentials-refused':
      return { code: START_EXIT.ENROLL, line: `NATS refused this runner's credentials (${exit.message}): enroll again` };
    case 'connection-closed':
      return { code: START_EXIT.FAILED, line: `the NATS connection closed: ${exit.message}` };
  }
}

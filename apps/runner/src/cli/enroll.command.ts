import { hostname } from 'node:os';
import { loadRunnerConfig, RunnerConfigError, type RunnerConfig } from '../config/runner-config.js';
import { checkControlPlaneUrl } from '../enrollment/control-plane-url.js';
import { enroll, EnrollError } from '../enrollment/enroll.js';
import { readEnrollmentToken } from '../enrollment/token-source.js';
import { runnerSoftwareVersion } from '../version.js';
import type { CliIo } from './cli-io.js';

export const ENROLL_EXIT = { OK: 0, FAILED: 1 } as const;

export interface EnrollCommandOptions {
  configPath?: string;
  env: Record<string, string | undefined>;
  io: CliIo;
  url?: string;
  token?: string;
  tokenFile?: string;
  name?: string;
  insecureHttp: boolean;
  force: boolean;
  readStdin: () => Promise<string>;
}

function configFor(options: EnrollCommandOptions): RunnerConfig {
  return loadRunnerConfig({
    path: options.configPath,
    env: options.env,
    insecureHttp: options.insecureHttp,
    flags: {
      ...(options.url !== undefined ? { controlPlaneUrl: { value: options.url, flag: '--url' } } : {}),
      ...(options.name !== undefined ? { name: { value: options.name, flag: '--name' } } : {}),
    },
  });
}

/**
 * `switchyard-runner enroll --url <control-plane> --token <t>`: one line per outcome on stderr when
 * it fails (exit 1), a summary of what was written when it works. The token is never printed.
 */
export async function runEnrollCommand(options: EnrollCommandOptions): Promise<number> {
  const { io } = options;
  const fail = (message: string) => {
    io.err(`switchyard-runner: ${message}\n`);
    return ENROLL_EXIT.FAILED;
  };
  // Checked before the config, so the answer can point at --insecure-http.
  const given = options.url === undefined ? undefined : checkControlPlaneUrl(options.url, { insecureHttp: options.insecureHttp });
  if (given instanceof Error) return fail(given.message);
  let config: RunnerConfig;
  try {
    config = configFor(options);
  } catch (error) {
    if (!(error instanceof RunnerConfigError)) throw error;
    io.err(`${error.message}\n`);
    return ENROLL_EXIT.FAILED;
  }
  const url = checkControlPlaneUrl(config.controlPlaneUrl, { insecureHttp: options.insecureHttp });
  if (url instanceof Error) return fail(url.message);

  let token: string;
  try {
    token = await readEnrollmentToken({ token: options.token, tokenFile: options.tokenFile }, options.readStdin);
  } catch (error) {
    return fail((error as Error).message);
  }
  try {
    const { response, files } = await enroll({ url, token, config, hostname: hostname(), softwareVersion: runnerSoftwareVersion(), force: options.force });
    io.out(
      [
        `Enrolled as runner ${response.runnerId} (name ${config.name}).`,
        `  ${files.identity}`,
        `  ${files.credentials}  NATS credentials (mode 0600): this runner's secret, keep it on this host`,
        ...(response.caPem ? [`  ${files.natsCa}  CA of the NATS servers`] : []),
        `NATS: ${response.natsUrls.join(', ')}; credentials valid until ${response.jwtExpiresAt} (renewed while the runner runs).`,
        `Next: switchyard-runner start   (under systemd: systemctl enable --now switchyard-runner)`,
        '',
      ].join('\n'),
    );
    return ENROLL_EXIT.OK;
  } catch (error) {
    if (error instanceof EnrollError) return fail(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    // File-system trouble writing the data directory, most likely permissions.
    if (code) return fail(`cannot write the data directory ${config.dataDir}: ${(error as Error).message}`);
    throw error;
  }
}

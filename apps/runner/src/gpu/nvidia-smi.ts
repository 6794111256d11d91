import { execFile } from 'node:child_process';
import type { Logger } from 'pino';

/** One GPU as the heartbeat reports it. A field nvidia-smi cannot report (`[N/A]`) is null. */
export interface GpuInfo {
  index: number;
  uuid: string;
  name: string;
  memoryTotalMiB: number | null;
  memoryUsedMiB: number | null;
  utilizationPercent: number | null;
}

/** The query the runner runs; the column order here is the order the parser expects. */
export const NVIDIA_SMI_ARGS: readonly string[] = [
  '--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu',
  '--format=csv,noheader,nounits',
];

export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program without a shell. Rejects only when it could not be started (ENOENT, EACCES)
 * or ran past the timeout; a non-zero exit resolves with its code.
 */
export type RunCommand = (file: string, args: readonly string[], options: { timeoutMs: number }) => Promise<CommandResult>;

/** The real RunCommand, over child_process.execFile. */
export const runCommand: RunCommand = (file, args, { timeoutMs }) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: timeoutMs, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
      if (error === null) return resolve({ exitCode: 0, stdout, stderr });
      // execFile reports a non-zero exit as an error whose `code` is the number; a spawn failure
      // has a string code (ENOENT), a timeout has `killed` set.
      if (typeof error.code === 'number' && !error.killed) return resolve({ exitCode: error.code, stdout, stderr });
      reject(error);
    });
  });

/**
 * A cell of nvidia-smi's CSV as a number: `[N/A]`, `[Not Supported]`, `N/A` or anything else
 * non-numeric is null; a trailing unit (`81920 MiB`, `97 %`, printed when `nounits` is missing
 * or ignored by an old driver) is dropped.
 */
function numberCell(cell: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(?:MiB|%)?$/i.exec(cell.trim());
  return match ? Number(match[1]) : null;
}

/**
 * Parses `nvidia-smi --query-gpu=… --format=csv,noheader,nounits`. Pure and tolerant: blank lines,
 * CRLF, extra whitespace and unavailable values are fine; a line that is not a GPU row (an error
 * message such as "No devices were found", a header) is skipped rather than failing the inventory.
 * A GPU name never contains a comma in practice, but the name is rebuilt from the middle cells
 * so that one would not shift the numeric columns.
 */
export function parseNvidiaSmiCsv(text: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const cells = rawLine.split(',').map((cell) => cell.trim());
    if (cells.length < 6) continue;
    const index = numberCell(cells[0]);
    const uuid = cells[1];
    if (index === null || !Number.isInteger(index) || !uuid.startsWith('GPU-')) continue;
    const [memoryTotal, memoryUsed, utilization] = cells.slice(-3);
    gpus.push({
      index,
      uuid,
      name: cells.slice(2, -3).join(', '),
      memoryTotalMiB: numberCell(memoryTotal),
      memoryUsedMiB: numberCell(memoryUsed),
      utilizationPercent: numberCell(utilization),
    });
  }
  return gpus;
}

export interface DetectGpusOptions {
  run?: RunCommand;
  logger?: Pick<Logger, 'debug' | 'warn'>;
  /** A wedged driver can make nvidia-smi hang; a heartbeat must not wait on it. */
  timeoutMs?: number;
}

/**
 * The GPU inventory of this host. No GPU is the normal case for most runners: a missing
 * nvidia-smi, or one that exits non-zero (no driver loaded, "No devices were found"), yields an
 * empty list. Only a timeout is logged as a warning, since it hints at a sick driver.
 */
export async function detectGpus(options: DetectGpusOptions = {}): Promise<GpuInfo[]> {
  const { run = runCommand, logger, timeoutMs = 5_000 } = options;
  let result: CommandResult;
  try {
    result = await run('nvidia-smi', NVIDIA_SMI_ARGS, { timeoutMs });
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { killed?: boolean };
    if (err.killed) logger?.warn({ timeoutMs }, 'nvidia-smi did not answer in time; reporting no GPUs');
    else logger?.debug({ code: err.code }, 'nvidia-smi not available; reporting no GPUs');
    return [];
  }
  if (result.exitCode !== 0) {
    const firstLine = `${result.stdout}\n${result.stderr}`.trim().split('\n')[0]?.slice(0, 200);
    logger?.debug({ exitCode: result.exitCode, output: firstLine }, 'nvidia-smi failed; reporting no GPUs');
    return [];
  }
  return parseNvidiaSmiCsv(result.stdout);
}

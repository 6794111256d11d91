import { readFileSync } from 'node:fs';
import { detectGpus, NVIDIA_SMI_ARGS, parseNvidiaSmiCsv, runCommand, type RunCommand } from './nvidia-smi.js';

// Fixtures reproduce the output of the exact query in NVIDIA_SMI_ARGS:
//   a100-sxm4-80gb-x8.csv  an 8× A100 80 GB training host, some GPUs busy
//   mixed-mig-na.csv       an A100 in MIG mode (no whole-GPU utilization: [N/A]), a T4, and a
//                          GeForce card whose driver reports neither memory use nor utilization
//   driver-not-loaded.txt  what nvidia-smi prints (exit 9) on a host whose driver is not loaded
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const runReturning =
  (result: Awaited<ReturnType<RunCommand>>): RunCommand =>
  async () =>
    result;

describe('parseNvidiaSmiCsv', () => {
  it('reads every GPU of an 8× A100 host with memory in MiB and utilization in percent', () => {
    const gpus = parseNvidiaSmiCsv(fixture('a100-sxm4-80gb-x8.csv'));

    expect(gpus).toHaveLength(8);
    expect(gpus.map((gpu) => gpu.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(gpus[0]).toEqual({
      index: 0,
      uuid: 'GPU-6f1c0a2e-3b7d-9e45-a1c8-52d0e7b3f914',
      name: 'NVIDIA A100-SXM4-80GB',
      memoryTotalMiB: 81920,
      memoryUsedMiB: 73511,
      utilizationPercent: 97,
    });
    expect(gpus[7]?.utilizationPercent).toBe(100);
  });

  it('reports [N/A] values as null on a mixed host and keeps the GPU', () => {
    const gpus = parseNvidiaSmiCsv(fixture('mixed-mig-na.csv'));

    expect(gpus.map((gpu) => gpu.name)).toEqual(['NVIDIA A100-PCIE-40GB', 'Tesla T4', 'NVIDIA GeForce RTX 3090']);
    expect(gpus[0]).toMatchObject({ memoryTotalMiB: 40960, memoryUsedMiB: 15307, utilizationPercent: null });
    expect(gpus[1]).toMatchObject({ memoryTotalMiB: 15360, utilizationPercent: 12 });
    expect(gpus[2]).toMatchObject({ memoryTotalMiB: 24576, memoryUsedMiB: null, utilizationPercent: null });
  });

  it('drops MiB and % units, CRLF line ends and padding, and reads [Not Supported] as null', () => {
    const text = ' 0 ,  GPU-aaaa ,Tesla V100-SXM2-16GB , 16160 MiB , 0 MiB , 3 %\r\n1, GPU-bbbb, Tesla K80, 11441 MiB, [Not Supported], [Not Supported]\r\n';

    expect(parseNvidiaSmiCsv(text)).toEqual([
      { index: 0, uuid: 'GPU-aaaa', name: 'Tesla V100-SXM2-16GB', memoryTotalMiB: 16160, memoryUsedMiB: 0, utilizationPercent: 3 },
      { index: 1, uuid: 'GPU-bbbb', name: 'Tesla K80', memoryTotalMiB: 11441, memoryUsedMiB: null, utilizationPercent: null },
    ]);
  });

  it('finds no GPU in an error message, a header line or empty output', () => {
    expect(parseNvidiaSmiCsv(fixture('driver-not-loaded.txt'))).toEqual([]);
    expect(parseNvidiaSmiCsv('No devices were found\n')).toEqual([]);
    expect(parseNvidiaSmiCsv('index, uuid, name, memory.total [MiB], memory.used [MiB], utilization.gpu [%]\n')).toEqual([]);
    expect(parseNvidiaSmiCsv('')).toEqual([]);
  });
});

describe('detectGpus', () => {
  it('runs the documented query and parses its output', async () => {
    const calls: Array<{ file: string; args: readonly string[] }> = [];
    const run: RunCommand = async (file, args) => {
      calls.push({ file, args });
      return { exitCode: 0, stdout: fixture('a100-sxm4-80gb-x8.csv'), stderr: '' };
    };

    const gpus = await detectGpus({ run });

    expect(calls).toEqual([{ file: 'nvidia-smi', args: NVIDIA_SMI_ARGS }]);
    expect(gpus).toHaveLength(8);
  });

  it('reports no GPU when nvidia-smi is not installed', async () => {
    const run: RunCommand = async () => {
      throw Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
    };

    await expect(detectGpus({ run })).resolves.toEqual([]);
  });

  it('reports no GPU when nvidia-smi exits non-zero, even if it printed something row-like', async () => {
    const failed = runReturning({ exitCode: 9, stdout: fixture('driver-not-loaded.txt'), stderr: '' });
    const partial = runReturning({ exitCode: 15, stdout: fixture('a100-sxm4-80gb-x8.csv'), stderr: '' });

    await expect(detectGpus({ run: failed })).resolves.toEqual([]);
    await expect(detectGpus({ run: partial })).resolves.toEqual([]);
  });

  it('warns when nvidia-smi hangs past the timeout, and still reports no GPU', async () => {
    const warnings: unknown[] = [];
    const logger = { warn: (obj: unknown) => warnings.push(obj), debug: () => undefined };
    const run: RunCommand = async () => {
      throw Object.assign(new Error('timed out'), { killed: true, signal: 'SIGTERM' });
    };

    await expect(detectGpus({ run, logger, timeoutMs: 50 })).resolves.toEqual([]);
    expect(warnings).toEqual([{ timeoutMs: 50 }]);
  });
});

describe('runCommand (the real one detectGpus uses by default)', () => {
  it('resolves a non-zero exit with its code and output', async () => {
    const result = await runCommand(process.execPath, ['-e', 'process.stdout.write("out"); process.exit(9)'], { timeoutMs: 10_000 });

    expect(result).toEqual({ exitCode: 9, stdout: 'out', stderr: '' });
  });

  it('rejects with ENOENT for a program that does not exist, which detectGpus reads as no GPU', async () => {
    await expect(runCommand('switchyard-no-such-program', [], { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects a program that runs past the timeout', async () => {
    await expect(runCommand(process.execPath, ['-e', 'setTimeout(() => {}, 10_000)'], { timeoutMs: 100 })).rejects.toMatchObject({
      killed: true,
    });
  });
});

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnChild, type ManagedChild } from './child.js';

export interface ControlPlaneProcess {
  url: string;
  child: ManagedChild;
}

/** apps/control-plane/dist/<file>, with a clear error when the app was not built. */
export function controlPlaneEntry(root: string, file: 'main.js' | 'cli.js'): string {
  const path = join(root, 'apps', 'control-plane', 'dist', file);
  if (!existsSync(path)) throw new Error(`${path} does not exist: build the control plane first (npm run build)`);
  return path;
}

/** Runs the control plane's CLI (same Node as us) and returns its stdout. */
export function runControlPlaneCli(root: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const cli = controlPlaneEntry(root, 'cli.js');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`switchyard ${args.join(' ')} failed (${error.code ?? error.signal}): ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Starts `node apps/control-plane/dist/main.js` and resolves once GET /readyz answers 200. */
export async function startControlPlane(options: { root: string; env: NodeJS.ProcessEnv; port: number; logFile: string }): Promise<ControlPlaneProcess> {
  const main = controlPlaneEntry(options.root, 'main.js');
  const child = spawnChild({
    name: 'control plane',
    command: process.execPath,
    args: [main],
    cwd: options.root,
    env: options.env,
    logFile: options.logFile,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 15_000,
  });
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (!child.isRunning()) {
      const exit = await child.exited;
      throw new Error(`the control plane exited during startup (code ${exit.code}, signal ${exit.signal}); log ${options.logFile}:\n${child.outputTail()}`);
    }
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) });
      if (response.status === 200) return { url, child };
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await child.stop();
  throw new Error(`the control plane was not ready within 60 s (last /readyz: ${last}); log ${options.logFile}`);
}

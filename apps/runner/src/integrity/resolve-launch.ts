import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { basename, delimiter, isAbsolute, resolve } from 'node:path';

/** Interpreters whose first argument is the program that really runs (the artifact). */
const SCRIPT_INTERPRETERS = new Set(['node', 'nodejs']);

/** How a stdio server is really started, and which file its pinned integrity covers. */
export interface ResolvedLaunch {
  /** The executable to spawn: the command found on PATH with symlinks followed. */
  executable: string;
  /** The arguments to pass; for `node <script>` the script is replaced by its real path. */
  args: string[];
  /** The file whose hash must match `artifactIntegrity`. */
  artifact: string;
}

/** The command or its script could not be found: a placement error, not a crash to retry. */
export class LaunchResolutionError extends Error {
  override readonly name = 'LaunchResolutionError';
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds `command` the way execvp does: a name with a slash is a path (relative to `cwd`), a bare
 * name is looked up in each PATH entry in order. Empty PATH entries mean "current directory" to
 * POSIX shells; they are skipped so that a stray `::` in PATH cannot make the runner execute a
 * file from whatever directory it happens to run in.
 */
export async function findExecutable(command: string, env: { PATH?: string; cwd: string }): Promise<string | null> {
  if (command.includes('/')) {
    const candidate = resolve(env.cwd, command);
    return (await isExecutableFile(candidate)) ? candidate : null;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    const candidate = resolve(dir, command);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/**
 * Resolves what a launch spec runs. The artifact (docs/runner.md, "Artifact integrity") is the
 * file the command resolves to with symlinks followed — so `node_modules/.bin/x` pins the package's
 * entry script, not the link — except for `node <script> …`, where it is the script: hashing the
 * shared Node binary would pin nothing about the server. The runner then spawns exactly the paths
 * it hashed, so a symlink swapped after the check cannot redirect the launch.
 */
export async function resolveLaunch(command: string, args: readonly string[], env: { PATH?: string; cwd: string }): Promise<ResolvedLaunch> {
  const found = await findExecutable(command, env);
  if (found === null) throw new LaunchResolutionError(`command not found: ${command} (searched PATH and ${env.cwd})`);
  const executable = await realpath(found);

  const [first, ...rest] = args;
  if (SCRIPT_INTERPRETERS.has(basename(command)) && first !== undefined && !first.startsWith('-')) {
    let script: string;
    try {
      script = await realpath(resolve(env.cwd, first));
    } catch {
      throw new LaunchResolutionError(`script not found: ${first} (relative to ${env.cwd})`);
    }
    return { executable, args: [script, ...rest], artifact: script };
  }
  return { executable, args: [...args], artifact: executable };
}

import { chmod, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Creates the data directory with mode 0700, or tightens an existing one we own: the directory
 * listing of a runner's secrets is nobody else's business either.
 */
export async function ensurePrivateDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const mode = (await stat(dir)).mode & 0o777;
  if (mode !== 0o700) await chmod(dir, 0o700);
}

/**
 * Writes a file that only its owner may read (0600), atomically: a temporary file in the same
 * directory, fsync, rename. A crash mid-write (say, while renewal rewrites runner.creds) leaves
 * the old file or the new one, never half of one — half a creds file would lock the runner out.
 * The mode is set at creation, so the secret is never readable by others even for an instant.
 */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  let written = false;
  try {
    await handle.writeFile(content, 'utf8');
    // An inherited umask cannot loosen 0600, but a default ACL could: be sure.
    await handle.chmod(0o600);
    await handle.sync();
    written = true;
  } finally {
    await handle.close();
    if (!written) await rm(temporary, { force: true });
  }
  await rename(temporary, path);
  // fsync the directory so the rename itself survives a power cut.
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

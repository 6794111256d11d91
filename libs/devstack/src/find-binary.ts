import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

// Debian puts nats-server in /usr/sbin, which is not on a normal user's PATH.
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin'];

export interface BinarySpec {
  /** Executable name, e.g. "nats-server". */
  name: string;
  /** Env variable that may point at the binary explicitly. */
  envVar: string;
  /** Debian package that ships it, named in the error message. */
  debianPackage: string;
}

/** Absolute path of an executable, or an error that says exactly what to install. */
export function findBinary(spec: BinarySpec): string {
  const explicit = process.env[spec.envVar];
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new Error(`${spec.envVar}=${explicit} is not an executable file`);
  }
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, spec.name);
    if (isExecutable(candidate)) return candidate;
  }
  throw new Error(
    `${spec.name} was not found on PATH or in ${EXTRA_DIRS.join(', ')}. ` +
      `Install the Debian package "${spec.debianPackage}" (apt-get install -y ${spec.debianPackage}, ` +
      `or run tools/ensure-deps.sh as root), or set ${spec.envVar} to the binary.`,
  );
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

import { readFile, stat } from 'node:fs/promises';
import { credsAuthenticator, type Authenticator } from '@nats-io/transport-node';
import { fromSeed } from '@nats-io/nkeys';
import { formatCreds, jwtTimes, parseCreds, type JwtTimes, type RunnerCreds } from '../credentials/creds.js';
import { writePrivateFile } from '../credentials/secret-files.js';

/** runner.creds is unusable (missing, loose mode, malformed): the message says what to do. */
export class CredentialsFileError extends Error {
  override readonly name = 'CredentialsFileError';
}

/**
 * The runner's NATS credentials: the current user JWT and the nkey seed, in memory and in
 * runner.creds. The authenticator reads the current value at every (re)connect, so a renewed JWT
 * is what the next connect presents.
 */
export class CredentialStore {
  private current: RunnerCreds;
  readonly publicKey: string;

  private constructor(
    private readonly file: string,
    creds: RunnerCreds,
  ) {
    this.current = creds;
    this.publicKey = fromSeed(new TextEncoder().encode(creds.seed)).getPublicKey();
  }

  /** Reads runner.creds; refuses a file others may read (it holds the runner's private key). */
  static async load(file: string): Promise<CredentialStore> {
    let mode: number;
    let text: string;
    try {
      mode = (await stat(file)).mode & 0o777;
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CredentialsFileError(code === 'ENOENT' ? `${file} is missing: enroll again` : `cannot read ${file}: ${(error as Error).message}`);
    }
    if ((mode & 0o077) !== 0) {
      throw new CredentialsFileError(`${file} has mode ${mode.toString(8).padStart(4, '0')}: expected 0600 — fix with: chmod 600 ${file}`);
    }
    const creds = parseCreds(text);
    if (creds instanceof Error) throw new CredentialsFileError(`${file} is not a NATS credentials file: ${creds.message}`);
    return new CredentialStore(file, creds);
  }

  get jwt(): string {
    return this.current.jwt;
  }

  times(): JwtTimes {
    return jwtTimes(this.current.jwt);
  }

  authenticator(): Authenticator {
    return credsAuthenticator(() => new TextEncoder().encode(formatCreds(this.current)));
  }

  /**
   * Takes a renewed JWT: in memory first (the running runner must use it even if the disk is
   * full), then runner.creds, atomically. A failed write is reported to the caller.
   */
  async replaceJwt(jwt: string): Promise<void> {
    this.current = { ...this.current, jwt };
    await writePrivateFile(this.file, formatCreds(this.current));
  }
}

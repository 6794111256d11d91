import { readFile } from 'node:fs/promises';

export interface TokenOptions {
  /** `--token <t>`, or `--token -` to read it from stdin. */
  token?: string;
  /** `--token-file <path>`. */
  tokenFile?: string;
}

/**
 * The enrollment token from the command line, a file or stdin. The file and stdin forms keep the
 * token out of `ps` and shell history; the first line counts, surrounding whitespace is dropped.
 */
export async function readEnrollmentToken(options: TokenOptions, readStdin: () => Promise<string>): Promise<string> {
  if (options.token !== undefined && options.tokenFile !== undefined) throw new Error('give either --token or --token-file, not both');
  let text: string;
  if (options.tokenFile !== undefined) {
    try {
      text = await readFile(options.tokenFile, 'utf8');
    } catch (error) {
      throw new Error(`cannot read --token-file ${options.tokenFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  } else if (options.token === '-') {
    text = await readStdin();
  } else if (options.token !== undefined) {
    text = options.token;
  } else {
    throw new Error('an enrollment token is required: --token <token>, --token-file <path> or --token - (stdin)');
  }
  const token = text.trim().split(/\r?\n/)[0]?.trim() ?? '';
  if (token === '') throw new Error('the enrollment token is empty');
  return token;
}

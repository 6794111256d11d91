import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnrollmentToken } from './token-source.js';

describe('readEnrollmentToken', () => {
  const noStdin = async () => {
    throw new Error('stdin must not be read');
  };

  it('takes --token as given, trimmed', async () => {
    await expect(readEnrollmentToken({ token: ' syet_abc ' }, noStdin)).resolves.toBe('syet_abc');
  });

  it('reads the first line of --token-file and of stdin for --token -', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'token-'));
    try {
      writeFileSync(join(dir, 't'), 'syet_file\nsecond line\n');
      await expect(readEnrollmentToken({ tokenFile: join(dir, 't') }, noStdin)).resolves.toBe('syet_file');
      await expect(readEnrollmentToken({ token: '-' }, async () => '\r\nsyet_stdin\r\n')).resolves.toBe('syet_stdin');
      await expect(readEnrollmentToken({ tokenFile: join(dir, 'missing') }, noStdin)).rejects.toThrow(`cannot read --token-file ${join(dir, 'missing')} (ENOENT)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

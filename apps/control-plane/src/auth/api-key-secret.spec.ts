import { bearerToken, hashSecret, issueSecret, looksLikeApiKey } from './api-key-secret.js';

describe('API key secrets', () => {
  it('issues distinct keys whose hash is not the key', () => {
    const a = issueSecret();
    const b = issueSecret();
    expect(a.plaintext).not.toBe(b.plaintext);
    expect(looksLikeApiKey(a.plaintext)).toBe(true);
    expect(a.hash).toBe(hashSecret(a.plaintext));
    expect(a.hash).not.toContain(a.plaintext.slice(3));
    expect(a.plaintext.startsWith(a.displayPrefix.replace('…', ''))).toBe(true);
    expect(a.displayPrefix.length).toBeLessThan(12);
  });

  it('reads only well-formed bearer headers', () => {
    expect(bearerToken('Bearer sy_abc')).toBe('sy_abc');
    expect(bearerToken('bearer  sy_abc ')).toBe('sy_abc');
    expect(bearerToken('Basic dXNlcg==')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
  });

  it('rejects strings that are not keys', () => {
    expect(looksLikeApiKey('sy_short')).toBe(false);
    expect(looksLikeApiKey(`xx_${'a'.repeat(43)}`)).toBe(false);
  });
});

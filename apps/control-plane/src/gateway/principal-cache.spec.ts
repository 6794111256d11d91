import { ApiKeyRole } from '@switchyard/db';
import type { Principal } from '../auth/principal.js';
import { PrincipalCache } from './principal-cache.js';

const principal = (keyId: string): Principal => ({ keyId, name: keyId, role: ApiKeyRole.AGENT, scopes: ['mcp:call'], allowedServers: [], allowedTools: [] });

describe('PrincipalCache', () => {
  it('answers within the TTL and forgets after it', () => {
    const sut = new PrincipalCache(5_000);
    sut.set('h1', principal('k1'), 1_000);

    expect(sut.get('h1', 5_999)?.keyId).toBe('k1');
    expect(sut.get('h1', 6_000)).toBeUndefined();
    expect(sut.get('h2', 1_000)).toBeUndefined();
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const sut = new PrincipalCache(5_000, 2);
    sut.set('a', principal('a'), 0);
    sut.set('b', principal('b'), 0);
    sut.set('c', principal('c'), 0);

    expect([sut.get('a', 1), sut.get('b', 1)?.keyId, sut.get('c', 1)?.keyId]).toEqual([undefined, 'b', 'c']);
  });

  it('forgets the entries of one key, and only those', () => {
    const sut = new PrincipalCache(5_000);
    sut.set('a', principal('revoked'), 0);
    sut.set('b', principal('kept'), 0);

    sut.forgetKey('revoked');

    expect([sut.get('a', 1), sut.get('b', 1)?.keyId]).toEqual([undefined, 'kept']);
  });

  it('caches nothing with a TTL of 0', () => {
    const sut = new PrincipalCache(0);
    sut.set('a', principal('a'), 0);

    expect(sut.get('a', 0)).toBeUndefined();
  });
});

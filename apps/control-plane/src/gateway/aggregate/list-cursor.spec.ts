import fc from 'fast-check';
import { decodeListCursor, encodeListCursor } from './list-cursor.js';

const serverName = fc.stringMatching(/^[a-z0-9-]{1,32}$/);

describe('merged list cursors on /mcp', () => {
  it('has no cursor when no server has more pages', () => {
    expect(encodeListCursor({})).toBeUndefined();
  });

  it('carries every server cursor through one opaque string (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(serverName, fc.string(), { minKeys: 1 }), (cursors) => {
        const sut = encodeListCursor(cursors) as string;

        expect(sut).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeListCursor(sut)).toEqual(cursors);
      }),
    );
  });

  it('refuses cursors it did not issue', () => {
    expect(decodeListCursor('not-a-cursor')).toBeUndefined();
    expect(decodeListCursor(Buffer.from('{"v":2,"s":{"a":"x"}}').toString('base64url'))).toBeUndefined();
    expect(decodeListCursor(Buffer.from('{"v":1,"s":{"a":1}}').toString('base64url'))).toBeUndefined();
    expect(decodeListCursor(Buffer.from('{"v":1,"s":{"__proto__":"x"}}').toString('base64url'))).toBeUndefined();
  });
});

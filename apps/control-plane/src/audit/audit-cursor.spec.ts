import { DomainError } from '@switchyard/protocol';
import { encodeCursor } from '../graphql/pagination.js';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor.js';

describe('audit cursors', () => {
  it('round-trip the start time (to the millisecond) and the call id', () => {
    const position = { startedAt: new Date('2026-11-23T13:15:46.123Z'), callId: '9b2f0c1e-4a5d-4f6b-8c7d-0e1f2a3b4c5d' };

    expect(decodeAuditCursor(encodeAuditCursor(position))).toEqual(position);
  });

  it('refuse what this API did not hand out, naming `after`', () => {
    for (const bad of ['', 'not-base64!', encodeCursor('01a20811-04e5-706e-aa94-2901c907481c'), Buffer.from('a1:yesterday:x').toString('base64url')]) {
      expect(() => decodeAuditCursor(bad)).toThrow(DomainError);
    }
    expect(() => decodeAuditCursor('x')).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});

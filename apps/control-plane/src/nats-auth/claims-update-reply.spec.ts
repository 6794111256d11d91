import { checkClaimsUpdateReply } from './claims-update-reply.js';

describe('checkClaimsUpdateReply', () => {
  it('accepts "jwt updated"', () => {
    expect(() => checkClaimsUpdateReply('{"data":{"account":"AB","code":200,"message":"jwt updated"},"server":{"name":"n"}}')).not.toThrow();
  });

  it('throws on the errors nats-server reports, saying what it said', () => {
    expect(() => checkClaimsUpdateReply('{"error":{"account":"AB","code":500,"description":"jwt update resulted in error: bad sig"}}')).toThrow(
      'nats-server refused the account JWT: jwt update resulted in error: bad sig (500)',
    );
    expect(() => checkClaimsUpdateReply('{"data":{"account":"AB","code":200,"message":"jwt update skipped"}}')).toThrow(
      'nats-server did not apply the account JWT: jwt update skipped (200)',
    );
    expect(() => checkClaimsUpdateReply('{"server":{}}')).toThrow('empty reply');
    expect(() => checkClaimsUpdateReply('-ERR nope')).toThrow('unreadable claims-update reply: -ERR nope');
    expect(() => checkClaimsUpdateReply('{"data":{"code":"x"}}')).toThrow('unexpected claims-update reply');
  });
});

import { runnerPermissions } from './runner-permissions.js';

describe('runnerPermissions', () => {
  it('allows exactly the runner\'s own subjects and one reply per request', () => {
    expect(runnerPermissions('r-1')).toEqual({
      sub: { allow: ['sy.run.r-1.>', '_INBOX.r-1.>'] },
      pub: { allow: ['sy.cp.r-1.>'] },
      resp: { max: 1, ttl: 0 },
    });
  });

  it('refuses ids that would widen a subject', () => {
    for (const id of ['*', '>', 'a.b', '', 'a b']) expect(() => runnerPermissions(id)).toThrow('not a subject-safe token');
  });
});

import fc from 'fast-check';
import { DomainError, ErrorCode } from './errors.js';
import { parseRunnerSubject, runnerPermissions, subjectMatches, subjects } from './subjects.js';

const ID = '0190a8e4-5c1e-7b2a-9d3f-1234567890ab';

/** Subject-safe ids, biased towards the tricky ones: short, dashes, and ids that prefix each other. */
const runnerId = fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/);
const distinctRunnerIds = fc.oneof(
  fc.tuple(runnerId, runnerId),
  // B extends A (A = "ab", B = "ab-c"): a permission built by string prefix would leak here.
  fc.tuple(runnerId, fc.stringMatching(/^[A-Za-z0-9-]{1,8}$/)).map(([a, suffix]) => [a.slice(0, 56), a.slice(0, 56) + suffix] as const),
).filter(([a, b]) => a !== b);

/** Every concrete subject that carries runner `id`, in both directions, plus replies to its inbox. */
function subjectsOf(id: string): string[] {
  return [
    subjects.runCall(id),
    subjects.runCtl(id),
    subjects.cpHeartbeat(id),
    subjects.cpMessages(id),
    subjects.cpRenew(id),
    `${subjects.runnerInboxPrefix(id)}.reply1`,
    `${subjects.runnerInboxPrefix(id)}.x.y`,
  ];
}

function errorOf(work: () => unknown): DomainError {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('subjects', () => {
  it('builds every subject of the map', () => {
    expect(subjects.runCall(ID)).toBe(`sy.run.${ID}.call`);
    expect(subjects.runCtl(ID)).toBe(`sy.run.${ID}.ctl`);
    expect(subjects.cpHeartbeat(ID)).toBe(`sy.cp.${ID}.hb`);
    expect(subjects.cpMessages(ID)).toBe(`sy.cp.${ID}.msg`);
    expect(subjects.cpRenew(ID)).toBe(`sy.cp.${ID}.renew`);
    expect(subjects.gatewaySession('s-1')).toBe('sy.gw.sess.s-1');
    expect(subjects.runnerInboxPrefix(ID)).toBe(`_INBOX.${ID}`);
    expect([subjects.allHeartbeats(), subjects.allMessages(), subjects.allRenewals()]).toEqual(['sy.cp.*.hb', 'sy.cp.*.msg', 'sy.cp.*.renew']);
  });

  it.each(['', 'a.b', 'a*', '>', '*', 'a b', 'ü', 'a_b', 'x'.repeat(65), 'a\r\nPUB x'])('refuses the unsafe id %j with PROTOCOL_ERROR', (bad) => {
    for (const build of [subjects.runCall, subjects.runCtl, subjects.cpHeartbeat, subjects.cpMessages, subjects.gatewaySession, runnerPermissions]) {
      const error = errorOf(() => build(bad));
      expect(error.code).toBe(ErrorCode.PROTOCOL_ERROR);
    }
  });

  it('accepts a 64-character id', () => {
    expect(subjects.runCall('a'.repeat(64))).toBe(`sy.run.${'a'.repeat(64)}.call`);
  });
});

describe('parseRunnerSubject', () => {
  it('learns the sender and the kind from any runner → control plane subject', () => {
    fc.assert(
      fc.property(runnerId, fc.constantFrom('hb', 'msg', 'renew'), (id, kind) => {
        const subject = { hb: subjects.cpHeartbeat, msg: subjects.cpMessages, renew: subjects.cpRenew }[kind](id);
        expect(parseRunnerSubject(subject)).toEqual({ runnerId: id, kind });
      }),
    );
  });

  it.each([
    `sy.run.${ID}.call`,
    `sy.cp.${ID}.call`,
    `sy.cp.${ID}.hb.extra`,
    `sy.cp.${ID}`,
    'sy.cp.*.hb',
    'sy.cp.>.msg',
    'sy.cp..hb',
    `xy.cp.${ID}.hb`,
    `_INBOX.${ID}.hb`,
  ])('ignores %s', (subject) => {
    expect(parseRunnerSubject(subject)).toBeUndefined();
  });
});

describe('subjectMatches', () => {
  it.each([
    ['foo.bar', 'foo.bar', true],
    ['foo.bar', 'foo.baz', false],
    ['foo.*', 'foo.bar', true],
    ['foo.*', 'foo.bar.baz', false],
    ['foo.*', 'foo', false],
    ['*.bar', 'foo.bar', true],
    ['foo.>', 'foo.bar', true],
    ['foo.>', 'foo.bar.baz', true],
    ['foo.>', 'foo', false],
    ['>', 'foo', true],
    ['>', 'foo.bar', true],
    ['foo.>.baz', 'foo.bar.baz', false],
    ['foo.*.baz', 'foo.bar.baz', true],
    ['foo.*.baz', 'foo.bar.qux', false],
    ['foo', 'foo.bar', false],
    ['foo.bar', 'foo', false],
    ['foo.*', 'foo.', false],
    ['sy.cp.*.hb', `sy.cp.${ID}.hb`, true],
    ['sy.cp.A.>', 'sy.cp.AB.hb', false],
  ])('%s against %s is %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});

describe('runnerPermissions', () => {
  it('is exactly the allow-lists verified in NATS-AUTH.md', () => {
    expect(runnerPermissions('A')).toEqual({
      pub: { allow: ['sy.cp.A.>'] },
      sub: { allow: ['sy.run.A.>', '_INBOX.A.>'] },
      resp: { max: 1, ttl: 0 },
    });
  });

  it("never lets runner A publish or subscribe to anything of runner B, and covers all of A's own", () => {
    fc.assert(
      fc.property(distinctRunnerIds, ([a, b]) => {
        const perms = runnerPermissions(a);
        const patterns = [...perms.pub.allow, ...perms.sub.allow];
        for (const subject of subjectsOf(b)) {
          expect(patterns.filter((pattern) => subjectMatches(pattern, subject))).toEqual([]);
        }
        const mayPublish = (s: string) => perms.pub.allow.some((p) => subjectMatches(p, s));
        const maySubscribe = (s: string) => perms.sub.allow.some((p) => subjectMatches(p, s));
        expect([subjects.cpHeartbeat(a), subjects.cpMessages(a), subjects.cpRenew(a)].every(mayPublish)).toBe(true);
        expect([subjects.runCall(a), subjects.runCtl(a), `${subjects.runnerInboxPrefix(a)}.r1`].every(maySubscribe)).toBe(true);
        // Nor may it publish to its own inbound subjects (impersonating the control plane) or any gateway subject.
        expect([subjects.runCall(a), subjects.runCtl(a), subjects.gatewaySession('s-1'), subjects.apiKeysChanged(), '$SYS.REQ.SERVER.PING.CONNZ'].some(mayPublish)).toBe(false);
        expect([subjects.gatewaySession('s-1'), subjects.apiKeysChanged(), subjects.allHeartbeats(), '_INBOX.reply', '$SYS.ACCOUNT.X.CONNECT'].some(maySubscribe)).toBe(false);
      }),
    );
  });
});

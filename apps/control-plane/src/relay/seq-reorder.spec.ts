import fc from 'fast-check';
import { SeqReorder } from './seq-reorder.js';

describe('SeqReorder', () => {
  it('releases every seq exactly once and in order, whatever the arrival order and repeats', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }).chain((n) =>
          fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }), fc.array(fc.nat(n - 1), { maxLength: 20 })),
        ),
        ([n, order, repeats]) => {
          const sut = new SeqReorder<number>();
          const released = [...order, ...repeats].flatMap((seq) => sut.accept(seq, seq));
          expect(released).toEqual([...Array(n).keys()]);
          expect(sut.waiting).toBe(0);
        },
      ),
    );
  });

  it('holds what comes after a gap and releases it when the gap closes', () => {
    const sut = new SeqReorder<string>();

    const early = sut.accept(1, 'b');
    const late = sut.accept(0, 'a');

    expect(early).toEqual([]);
    expect(late).toEqual(['a', 'b']);
    expect(sut.expected).toBe(2);
  });

  it('refuses to hold more than its limit behind a gap', () => {
    const sut = new SeqReorder<number>(2);
    sut.accept(1, 1);
    sut.accept(2, 2);

    expect(() => sut.accept(3, 3)).toThrow(/upstream message 0 is missing and 2 later ones are waiting/);
  });
});

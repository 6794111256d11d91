import fc from 'fast-check';
import { compareAnswers } from './compare-answers.js';
import { learnNoise } from './noise.js';
import { resultLeaves } from './result-leaves.js';

/** What a tool that stamps its answers returns: the same message, a fresh id and time each run. */
const stamped = (message: string, id: string, at: string, call: number) => ({
  result: { content: [{ type: 'text', text: JSON.stringify({ message, requestId: id, at, call }) }] },
});

describe('compareAnswers with noise learned from champion pairs', () => {
  const first = stamped('hello', '0b6f1a4e-3c1d-4f7e-9a2b-5d8c7e6f1a2b', '2026-11-23T13:00:00.123Z', 1);
  const second = stamped('hello', 'c2d1e0f9-8a7b-4c6d-9e5f-4a3b2c1d0e9f', '2026-11-23T13:00:01.456Z', 2);
  const noise = learnNoise(resultLeaves(first), resultLeaves(second));

  it('learns the id and time as token noise and the counter as value noise', () => {
    expect(Object.fromEntries(noise)).toEqual({
      '/result/content/*/text{json}/requestId': 'tokens',
      '/result/content/*/text{json}/at': 'tokens',
      '/result/content/*/text{json}/call': 'value',
    });
  });

  it('ignores timestamps, uuids and the counter when the challenger answers the same message', () => {
    const challenger = stamped('hello', '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a', '2026-11-23T13:05:00.000Z', 7);
    expect(compareAnswers(resultLeaves(first), resultLeaves(challenger), noise)).toEqual({ differs: false, differences: [] });
  });

  it('reports a different message, and where', () => {
    const challenger = stamped('HELLO', '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a', '2026-11-23T13:05:00.000Z', 7);
    expect(compareAnswers(resultLeaves(first), resultLeaves(challenger), noise)).toEqual({
      differs: true,
      differences: [{ path: '/result/content/0/text{json}/message', champion: '"hello"', challenger: '"HELLO"' }],
    });
  });

  it('still reports an id that is not a uuid any more: token noise masks only uuid- and date-looking parts', () => {
    const challenger = stamped('hello', 'req-7', '2026-11-23T13:05:00.000Z', 7);
    expect(compareAnswers(resultLeaves(first), resultLeaves(challenger), noise).differences.map((d) => d.path)).toEqual([
      '/result/content/0/text{json}/requestId',
    ]);
  });

  it('without learned noise, a timestamp is a difference (noise is learned, not assumed)', () => {
    expect(compareAnswers(resultLeaves(first), resultLeaves(second), new Map()).differs).toBe(true);
  });

  it('counts isError, structuredContent and a JSON-RPC error instead of a result as differences', () => {
    const ok = { result: { content: [{ type: 'text', text: 'done' }], structuredContent: { total: 3 } } };
    const paths = (other: unknown) => compareAnswers(resultLeaves(ok), resultLeaves(other), noise).differences.map((d) => d.path);
    expect(paths({ result: { ...ok.result, isError: true } })).toEqual(['/result/isError']);
    expect(paths({ result: { ...ok.result, structuredContent: { total: 4 } } })).toEqual(['/result/structuredContent/total']);
    expect(paths({ error: { code: -32603, message: 'boom' } })).toEqual([
      '/error/code',
      '/error/message',
      '/result/content/0/text',
      '/result/content/0/type',
      '/result/structuredContent/total',
    ]);
  });

  it('ignores key order', () => {
    const a = resultLeaves({ result: { structuredContent: { a: 1, b: [1, 2] }, content: [] } });
    const b = resultLeaves({ result: { content: [], structuredContent: { b: [1, 2], a: 1 } } });
    expect(compareAnswers(a, b, new Map()).differs).toBe(false);
  });

  it('an answer compared with itself is never a difference, whatever the noise', () => {
    const noiseArb = fc.dictionary(fc.string(), fc.constantFrom('tokens' as const, 'value' as const));
    fc.assert(
      fc.property(fc.jsonValue(), noiseArb, (answer, learned) => {
        expect(compareAnswers(resultLeaves(answer), resultLeaves(structuredClone(answer)), new Map(Object.entries(learned))).differs).toBe(false);
      }),
    );
  });

  it('a pair of equal champion answers teaches no noise', () => {
    fc.assert(fc.property(fc.jsonValue(), (answer) => expect(learnNoise(resultLeaves(answer), resultLeaves(answer)).size).toBe(0)));
  });
});

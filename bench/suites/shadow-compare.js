// Cost of comparing a mirrored call's answers (apps/control-plane/src/shadow/compare): flattening
// both answers to JSON paths and comparing them minus the learned noise, per comparison, for
// answers of different shapes and sizes, measured side by side in one process. This runs in the
// shadow worker, never on the client's path; it says how much worker CPU a comparison costs.
//   text-small      one text block ("Echo: …"), no noise
//   json-in-text    a text block holding JSON with a uuid, a time and a counter, noise learned
//   structured-50   structuredContent with 50 items of 6 fields each, item ids as token noise
//   text-100k       one text block of 100 000 characters
import { percentile, round } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';

export const description = 'shadow comparison µs per mirrored call (flatten both answers, compare minus learned noise), by answer shape';
export const timeoutMs = 60_000;

const SETTINGS = { iterations: 5_000, warmup: 500, roundSize: 250 };
/** --smoke: short warm-up and rounds. */
const SMOKE = { warmup: 10, roundSize: 10 };

export async function run({ log, iterations = SETTINGS.iterations, smoke = false }) {
  const settings = smoke ? { ...SETTINGS, ...SMOKE } : SETTINGS;
  const { resultLeaves } = await import('../../apps/control-plane/dist/shadow/compare/result-leaves.js');
  const { learnNoise } = await import('../../apps/control-plane/dist/shadow/compare/noise.js');
  const { compareAnswers } = await import('../../apps/control-plane/dist/shadow/compare/compare-answers.js');

  const uuid = (i) => `0b6f1a4e-3c1d-4f7e-9a2b-${String(i).padStart(12, '0')}`;
  const stamped = (i) => ({ result: { content: [{ type: 'text', text: JSON.stringify({ message: 'hello', requestId: uuid(i), at: new Date(1_795_435_200_000 + i).toISOString(), call: i }) }] } });
  const structured = (i) => ({
    result: {
      content: [{ type: 'text', text: 'found 50' }],
      structuredContent: { items: Array.from({ length: 50 }, (_, k) => ({ id: uuid(i * 100 + k), name: `item ${k}`, score: k / 50, tags: ['a', 'b'], ok: true, at: '2026-11-23' })) },
    },
  });
  const large = { result: { content: [{ type: 'text', text: 'abcdefghij'.repeat(10_000) }] } };
  const cases = {
    'text-small': { champion: { result: { content: [{ type: 'text', text: 'Echo: hello' }] } }, challenger: { result: { content: [{ type: 'text', text: 'Echo: hello' }] } }, pair: null },
    'json-in-text': { champion: stamped(1), challenger: stamped(3), pair: stamped(2) },
    'structured-50': { champion: structured(1), challenger: structured(3), pair: structured(2) },
    'text-100k': { champion: large, challenger: structuredClone(large), pair: null },
  };
  for (const [name, c] of Object.entries(cases)) {
    c.noise = c.pair === null ? new Map() : learnNoise(resultLeaves(c.champion), resultLeaves(c.pair));
    // Checked once: equal answers (minus noise) must not differ, or the timing measures the wrong thing.
    if (compareAnswers(resultLeaves(c.champion), resultLeaves(c.challenger), c.noise).differs) throw new Error(`${name}: the answers differ`);
  }

  log(`measuring: ${settings.warmup} warm-up + ${iterations} comparisons per case, interleaved`);
  const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  const compare = (c) => compareAnswers(resultLeaves(c.champion), resultLeaves(c.challenger), c.noise);
  for (const c of Object.values(cases)) for (let i = 0; i < settings.warmup; i++) compare(c);
  const names = Object.keys(cases);
  for (let done = 0, turn = 0; done < iterations; done += settings.roundSize, turn++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + turn) % names.length];
      for (let i = 0; i < settings.roundSize; i++) {
        const started = performance.now();
        compare(cases[name]);
        samples[name].push((performance.now() - started) * 1000);
      }
    }
  }
  const stats = Object.fromEntries(
    Object.entries(samples).map(([name, xs]) => {
      const sorted = Float64Array.from(xs).sort();
      return [name, { n: xs.length, paths: resultLeaves(cases[name].champion).size, p50: round(percentile(sorted, 50), 1), p99: round(percentile(sorted, 99), 1) }];
    }),
  );
  return { settings: { ...settings, iterations }, cases: stats };
}

export function report(result) {
  return formatTable(
    [
      { title: 'answer', key: 'name' },
      { title: 'paths', key: 'paths' },
      { title: 'p50 µs', key: 'p50', digits: 1 },
      { title: 'p99 µs', key: 'p99', digits: 1 },
    ],
    Object.entries(result.cases).map(([name, x]) => ({ name, ...x })),
  );
}

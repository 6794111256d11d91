import { formatTraceparent, incomingTraceparent, parseTraceparent } from './traceparent.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it('reads the example of the W3C spec, sampled or not', () => {
    expect(parseTraceparent(`00-${traceId}-${spanId}-01`)).toEqual({ traceId, spanId, sampled: true });
    expect(parseTraceparent(`00-${traceId}-${spanId}-00`)).toEqual({ traceId, spanId, sampled: false });
  });

  it('takes the sampled bit only from the flags', () => {
    expect(parseTraceparent(`00-${traceId}-${spanId}-03`)?.sampled).toBe(true);
    expect(parseTraceparent(`00-${traceId}-${spanId}-02`)?.sampled).toBe(false);
    expect(parseTraceparent(`00-${traceId}-${spanId}-ff`)?.sampled).toBe(true);
  });

  it('reads the first four fields of a future version, with or without more fields', () => {
    expect(parseTraceparent(`01-${traceId}-${spanId}-01`)).toEqual({ traceId, spanId, sampled: true });
    expect(parseTraceparent(`cc-${traceId}-${spanId}-00-what-the-future-holds`)).toEqual({ traceId, spanId, sampled: false });
  });

  it.each([
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${spanId}-01`],
    ['an all-zero parent id', `00-${traceId}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${traceId}-${spanId}-01`],
    ['version 00 with a field after the flags', `00-${traceId}-${spanId}-01-extra`],
    ['upper-case hex', `00-${traceId.toUpperCase()}-${spanId}-01`],
    ['a short trace id', `00-${traceId.slice(1)}-${spanId}-01`],
    ['a long parent id', `00-${traceId}-${spanId}0-01`],
    ['one-digit flags', `00-${traceId}-${spanId}-1`],
    ['non-hex digits', `00-${traceId.slice(0, 31)}g-${spanId}-01`],
    ['other separators', `00_${traceId}_${spanId}_01`],
    ['an empty string', ''],
    ['a number', 42],
    ['undefined', undefined],
  ])('refuses %s', (_case, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('tolerates surrounding whitespace (an HTTP header value with OWS)', () => {
    expect(parseTraceparent(` 00-${traceId}-${spanId}-01 `)).toEqual({ traceId, spanId, sampled: true });
  });
});

describe('formatTraceparent', () => {
  it('writes version 00 with only the sampled flag, and reads back the same', () => {
    const sut = formatTraceparent({ traceId, spanId, sampled: true });
    expect(sut).toBe(`00-${traceId}-${spanId}-01`);
    expect(parseTraceparent(sut)).toEqual({ traceId, spanId, sampled: true });
    expect(formatTraceparent({ traceId, spanId, sampled: false })).toBe(`00-${traceId}-${spanId}-00`);
  });
});

describe('incomingTraceparent', () => {
  const other = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`;

  it("prefers the request's _meta.traceparent to the HTTP header", () => {
    expect(incomingTraceparent({ meta: `00-${traceId}-${spanId}-01`, header: other })?.traceId).toBe(traceId);
  });

  it('falls back to the header when _meta has none or an invalid one', () => {
    expect(incomingTraceparent({ header: other })?.traceId).toBe('a'.repeat(32));
    expect(incomingTraceparent({ meta: 'garbage', header: other })?.traceId).toBe('a'.repeat(32));
  });

  it('is undefined without a valid candidate: the call starts a new trace', () => {
    expect(incomingTraceparent({})).toBeUndefined();
    expect(incomingTraceparent({ meta: { traceparent: 'nested' }, header: 'garbage' })).toBeUndefined();
  });
});

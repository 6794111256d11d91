/**
 * W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header):
 * `version-traceid-parentid-flags`, lower-case hex. Pure: no I/O, no randomness.
 */
export interface TraceParent {
  /** 32 hex digits, not all zeros. */
  traceId: string;
  /** The caller's span: 16 hex digits, not all zeros. */
  spanId: string;
  /** The `sampled` flag: the caller may have recorded its span, and asks us to record ours. */
  sampled: boolean;
}

// The four fields every version starts with. A version after 00 may append fields (`-…`), which
// a reader of version 00 ignores; version 00 itself has exactly these four.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZEROS = /^0+$/;

/**
 * The trace context a caller sent, or undefined when the value is not a valid traceparent (then,
 * per the spec, the callee starts a new trace rather than guess).
 */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT.exec(value.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is forbidden; version 00 has nothing after the flags.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (ALL_ZEROS.test(traceId) || ALL_ZEROS.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 0x01) === 0x01 };
}

/** Version 00, with only the flag this version defines (unknown bits are not passed on). */
export function formatTraceparent({ traceId, spanId, sampled }: TraceParent): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/**
 * Where a call's trace context comes from: `params._meta.traceparent` of the JSON-RPC request
 * (per call, what MCP clients that trace send) before the HTTP `traceparent` header (per POST). An
 * invalid candidate is skipped, as if absent.
 */
export function incomingTraceparent(candidates: { meta?: unknown; header?: unknown }): TraceParent | undefined {
  return parseTraceparent(candidates.meta) ?? parseTraceparent(candidates.header);
}

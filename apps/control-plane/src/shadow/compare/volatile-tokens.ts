// Substrings that differ between two runs of the same call by nature: UUIDs, timestamps, long
// random hex ids, epoch seconds or milliseconds. Masked only on paths where a champion-vs-champion
// pair showed that these were all that changed (noise.ts), never everywhere: a tool that returns a
// fixed id must still be caught returning a different one.
const VOLATILE = [
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
  // ISO 8601 date-times (and dates), with optional fraction and zone.
  /\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?/g,
  // RFC 7231 dates: "Mon, 23 Nov 2026 13:36:53 GMT".
  /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\b/g,
  /\b[0-9a-f]{16,}\b/gi,
  /\b\d{10}(?:\d{3})?\b/g,
];

export function maskVolatile(text: string): string {
  return VOLATILE.reduce((masked, pattern) => masked.replace(pattern, '<volatile>'), text);
}

import { acceptsEventStream, eventId, originAllowed, parseEventId, protocolVersionProblem } from './http-checks.js';

describe('gateway header checks', () => {
  it('lets requests without Origin through and checks the rest against the allow-list', () => {
    expect(originAllowed(undefined, [])).toBe(true);
    expect(originAllowed('http://localhost:6274', ['http://localhost:6274'])).toBe(true);
    expect(originAllowed('http://evil.example', ['http://localhost:6274'])).toBe(false);
    expect(originAllowed('http://localhost:6274', [])).toBe(false);
  });

  it('accepts the protocol versions the SDK supports, and an absent header', () => {
    expect(protocolVersionProblem(undefined)).toBeUndefined();
    expect(protocolVersionProblem('2025-11-25')).toBeUndefined();
    expect(protocolVersionProblem('2025-03-26')).toBeUndefined();
    expect(protocolVersionProblem('1999-01-01')).toContain('unsupported MCP-Protocol-Version 1999-01-01');
  });

  it('reads Accept', () => {
    expect(acceptsEventStream('application/json, text/event-stream')).toBe(true);
    expect(acceptsEventStream('application/json')).toBe(false);
    expect(acceptsEventStream(undefined)).toBe(false);
  });

  it('round-trips event ids and refuses foreign ones', () => {
    expect(parseEventId(eventId('aB3_-x', 42))).toEqual({ streamId: 'aB3_-x', seq: 42 });
    expect(parseEventId('no-dot')).toBeUndefined();
    expect(parseEventId('a.b.1')).toBeUndefined();
    expect(parseEventId('a.-1')).toBeUndefined();
  });
});

import fc from 'fast-check';
import { fromClientRequestId, toClientRequestId } from './server-request-ids.js';

const serverName = fc.stringMatching(/^[a-z0-9-]{1,32}$/);
const requestId = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)));

describe('server → client request ids on /mcp', () => {
  it('gives two upstreams asking with the same id two different ids', () => {
    expect(toClientRequestId('everything', 0)).toBe('everything:0');
    expect(toClientRequestId('files', 0)).not.toBe(toClientRequestId('everything', 0));
    expect(toClientRequestId('files', '0')).not.toBe(toClientRequestId('files', 0));
  });

  it('maps back to the server and the original id, number or string (property)', () => {
    fc.assert(
      fc.property(serverName, requestId, (server, id) => {
        expect(fromClientRequestId(toClientRequestId(server, id))).toEqual({ server, id });
      }),
    );
  });

  it('refuses ids it did not issue', () => {
    expect(fromClientRequestId(3)).toBeUndefined();
    expect(fromClientRequestId('no-colon')).toBeUndefined();
    expect(fromClientRequestId('everything:{"x":1}')).toBeUndefined();
    expect(fromClientRequestId('everything:not json')).toBeUndefined();
  });
});

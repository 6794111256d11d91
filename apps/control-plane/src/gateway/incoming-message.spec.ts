import { parseBody } from './incoming-message.js';

describe('parseBody', () => {
  it('classifies requests, notifications and responses', () => {
    expect(parseBody('{"jsonrpc":"2.0","id":1,"method":"tools/list"}')).toMatchObject({ ok: true, incoming: { kind: 'request', message: { id: 1 } } });
    expect(parseBody(Buffer.from('{"jsonrpc":"2.0","method":"notifications/initialized"}'))).toMatchObject({ ok: true, incoming: { kind: 'notification' } });
    expect(parseBody('{"jsonrpc":"2.0","id":"s-1","result":{"model":"m"}}')).toMatchObject({ ok: true, incoming: { kind: 'response' } });
    expect(parseBody('{"jsonrpc":"2.0","id":3,"error":{"code":-1,"message":"no"}}')).toMatchObject({ ok: true, incoming: { kind: 'response' } });
  });

  it('answers bad JSON and non-JSON-RPC with a parse error', () => {
    expect(parseBody('{"jsonrpc":')).toEqual({ ok: false, code: -32700, message: 'Parse error: the body is not JSON' });
    expect(parseBody(undefined)).toMatchObject({ ok: false, code: -32700 });
    expect(parseBody('{"jsonrpc":"1.0","id":1,"method":"x"}')).toMatchObject({ ok: false, code: -32700 });
    expect(parseBody('{"jsonrpc":"2.0","id":1,"method":"x","extra":true}')).toMatchObject({ ok: false, code: -32700 });
  });

  it('refuses batches', () => {
    expect(parseBody('[{"jsonrpc":"2.0","method":"notifications/initialized"}]')).toMatchObject({ ok: false, code: -32600 });
  });
});

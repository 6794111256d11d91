import { DomainError, ErrorCode } from '@switchyard/protocol';
import { domainErrorResponse, errorResponse, JsonRpcCode, serializeMessage } from './json-rpc-errors.js';

describe('JSON-RPC errors of the gateway', () => {
  it('maps a DomainError to an HTTP status, a JSON-RPC code and data.code', () => {
    const { status, body } = domainErrorResponse(DomainError.unauthenticated('Unknown API key'), 7);

    expect(status).toBe(401);
    expect(body).toEqual({ jsonrpc: '2.0', id: 7, error: { code: JsonRpcCode.SERVER_ERROR, message: 'Unknown API key', data: { code: 'UNAUTHENTICATED' } } });
  });

  it('keeps scalar details and drops the rest', () => {
    const error = new DomainError(ErrorCode.UPSTREAM_FAILED, 'runner gone', { runnerId: 'r-1', retryableElsewhere: true, nested: { secret: 1 } });

    expect(domainErrorResponse(error).body.error.data).toEqual({ code: 'UPSTREAM_FAILED', runnerId: 'r-1', retryableElsewhere: true });
    expect(domainErrorResponse(DomainError.notFound('MCP server', 'x')).status).toBe(404);
  });

  it('writes id null when the id is unknown (a parse error)', () => {
    expect(JSON.parse(serializeMessage(errorResponse(undefined, JsonRpcCode.PARSE_ERROR, 'Parse error')))).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'Parse error' },
    });
  });
});

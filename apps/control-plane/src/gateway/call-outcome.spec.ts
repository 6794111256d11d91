import { outcomeOfAnswer, outcomeOfFailure } from './call-outcome.js';

describe('tool call outcomes', () => {
  it('tells a result, a tool error and a JSON-RPC error apart', () => {
    expect(outcomeOfAnswer({ jsonrpc: '2.0', id: 1, result: { content: [] } })).toEqual({ outcome: 'OK', errorCode: null });
    expect(outcomeOfAnswer({ jsonrpc: '2.0', id: 1, result: { content: [], isError: true } })).toEqual({ outcome: 'TOOL_ERROR', errorCode: null });
    expect(outcomeOfAnswer({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'bad' } })).toEqual({ outcome: 'RPC_ERROR', errorCode: '-32602' });
  });

  it('calls a cancellation CANCELLED and any other failure INTERRUPTED', () => {
    expect(outcomeOfFailure('CANCELLED')).toEqual({ outcome: 'CANCELLED', errorCode: 'CANCELLED' });
    expect(outcomeOfFailure('UPSTREAM_EXITED')).toEqual({ outcome: 'INTERRUPTED', errorCode: 'UPSTREAM_EXITED' });
  });
});

import { SpanStatusCode } from '@opentelemetry/api';
import { endOf, metricLabelsOf, spanNameOf, startAttributesOf, targetAttributesOf } from './call-attributes.js';

describe('call span attributes', () => {
  it('names a tool call span as the MCP conventions do and tags it with the tool', () => {
    const start = { server: 'weather', tool: 'get_weather', sessionId: 's-1', apiKeyId: 'k-1', callId: 'c-1' };
    expect(spanNameOf(start)).toBe('tools/call get_weather');
    expect(startAttributesOf(start)).toEqual({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.operation.name': 'execute_tool',
      'mcp.session.id': 's-1',
      'switchyard.server.name': 'weather',
      'switchyard.api_key.id': 'k-1',
      'switchyard.call.id': 'c-1',
    });
  });

  it('names other requests by their method only, without tool attributes', () => {
    const start = { server: 'weather', method: 'resources/read' };
    expect(spanNameOf(start)).toBe('resources/read');
    expect(startAttributesOf(start)).toEqual({ 'mcp.method.name': 'resources/read', 'switchyard.server.name': 'weather' });
  });

  it('records where the call went', () => {
    expect(targetAttributesOf({ versionId: 'v', runnerId: 'r', nodepool: 'eu' })).toEqual({ 'switchyard.version.id': 'v', 'switchyard.runner.id': 'r', 'switchyard.nodepool': 'eu' });
  });
});

describe('endOf', () => {
  it('leaves the status unset for OK and for a client cancellation', () => {
    expect(endOf('OK')).toEqual({ attributes: { 'switchyard.call.outcome': 'OK' }, status: { code: SpanStatusCode.UNSET } });
    expect(endOf('CANCELLED', { errorCode: 'CANCELLED' }).status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks a tool error as tool_error and a JSON-RPC error with its code', () => {
    expect(endOf('TOOL_ERROR')).toEqual({
      attributes: { 'switchyard.call.outcome': 'TOOL_ERROR', 'error.type': 'tool_error' },
      status: { code: SpanStatusCode.ERROR, message: 'TOOL_ERROR' },
    });
    expect(endOf('RPC_ERROR', { errorCode: '-32602' }).attributes).toEqual({
      'switchyard.call.outcome': 'RPC_ERROR',
      'switchyard.call.error_code': '-32602',
      'rpc.response.status_code': '-32602',
      'error.type': '-32602',
    });
  });

  it("types other failures by the runner's reason, or by the outcome when there is none", () => {
    expect(endOf('INTERRUPTED', { errorCode: 'UPSTREAM_EXITED' }).attributes['error.type']).toBe('UPSTREAM_EXITED');
    expect(endOf('DENIED', { errorCode: null })).toMatchObject({ attributes: { 'error.type': 'denied' }, status: { code: SpanStatusCode.ERROR } });
  });
});

describe('metricLabelsOf', () => {
  it('uses only server, version, nodepool and outcome; none before routing', () => {
    expect(metricLabelsOf('weather', { versionId: 'v-1', runnerId: 'r-1', nodepool: 'eu' }, 'OK')).toEqual({ server: 'weather', version: 'v-1', nodepool: 'eu', outcome: 'OK' });
    expect(metricLabelsOf('weather', undefined, 'DENIED')).toEqual({ server: 'weather', version: 'none', nodepool: 'none', outcome: 'DENIED' });
  });
});

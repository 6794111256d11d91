import { DomainError } from '@switchyard/protocol';
import { eventOfAnswer, eventOfNotification, grpcToolOf, parseCallToolRequest, type CallToolRequest } from './tool-messages.js';

const request = (overrides: Partial<CallToolRequest> = {}): CallToolRequest => ({ server: 'everything', tool: 'echo', argumentsJson: '', callId: '', traceparent: '', ...overrides });

describe('parseCallToolRequest', () => {
  it('parses the arguments as a JSON object; empty means {}', () => {
    expect(parseCallToolRequest(request({ argumentsJson: '{"message":"hi","n":1}' })).args).toEqual({ message: 'hi', n: 1 });
    expect(parseCallToolRequest(request()).args).toEqual({});
  });

  it.each(['[1,2]', '"text"', 'null', '{not json'])('refuses arguments %s as BAD_USER_INPUT naming the field', (argumentsJson) => {
    const parse = () => parseCallToolRequest(request({ argumentsJson }));

    expect(parse).toThrow(DomainError);
    expect(parse).toThrow(/arguments_json/);
  });

  it('keeps a call id the relay can carry and refuses one it cannot', () => {
    expect(parseCallToolRequest(request({ callId: 'job-42-attempt-1' })).callId).toBe('job-42-attempt-1');
    expect(() => parseCallToolRequest(request({ callId: 'has spaces' }))).toThrow(/call_id/);
    expect(() => parseCallToolRequest(request({ callId: 'x'.repeat(65) }))).toThrow(/call_id/);
  });

  it('needs a server and a tool', () => {
    expect(() => parseCallToolRequest(request({ server: '', tool: '' }))).toThrow(/server is required; tool is required/);
  });
});

describe('grpcToolOf', () => {
  it('keeps the input schema as JSON text that parses back to the same schema', () => {
    const inputSchema = { type: 'object', properties: { n: { type: 'integer', minimum: 1, maximum: 9007199254740991 } }, required: ['n'] };

    const tool = grpcToolOf({ name: 'count', description: 'counts', inputSchema });

    expect(JSON.parse(tool.inputSchemaJson)).toEqual(inputSchema);
    expect(tool).toMatchObject({ name: 'count', description: 'counts', title: '', outputSchemaJson: '', annotationsJson: '' });
  });
});

describe('eventOfNotification', () => {
  it('turns progress into a progress event, total only when given', () => {
    expect(eventOfNotification({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: 2, total: 5 } })).toEqual({ progress: { progress: 2, total: 5, message: '' } });
    expect(eventOfNotification({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: 1, message: 'step' } })).toEqual({ progress: { progress: 1, message: 'step' } });
  });

  it('turns a log message into a log event with its data as JSON', () => {
    expect(eventOfNotification({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'warning', logger: 'db', data: { slow: true } } })).toEqual({
      log: { level: 'warning', logger: 'db', dataJson: '{"slow":true}' },
    });
  });

  it('has no event for other notifications', () => {
    expect(eventOfNotification({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' })).toBeUndefined();
  });
});

describe('eventOfAnswer', () => {
  it('turns a result into a result event', () => {
    const event = eventOfAnswer({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'Echo: hi' }], structuredContent: { n: 1 }, isError: false } }, 'c-1');

    expect(event).toEqual({ result: { contentJson: '[{"type":"text","text":"Echo: hi"}]', structuredContentJson: '{"n":1}', isError: false, callId: 'c-1' } });
  });

  it('keeps isError and an absent structuredContent empty', () => {
    expect(eventOfAnswer({ jsonrpc: '2.0', id: 1, result: { content: [], isError: true } }, 'c-1')).toMatchObject({ result: { isError: true, structuredContentJson: '' } });
  });

  it('turns a JSON-RPC error into an error event', () => {
    expect(eventOfAnswer({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'Unknown tool', data: { tool: 'nope' } } }, 'c-1')).toEqual({
      error: { code: -32602, message: 'Unknown tool', dataJson: '{"tool":"nope"}', callId: 'c-1' },
    });
  });
});

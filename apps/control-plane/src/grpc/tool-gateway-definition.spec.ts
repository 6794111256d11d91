import { existsSync } from 'node:fs';
import { TOOL_GATEWAY_SERVICE } from '@switchyard/protocol';
import { loadToolGatewayService, toolGatewayProtoPath } from './tool-gateway-definition.js';

describe('the ToolGateway service definition', () => {
  it('is found in @switchyard/protocol and has both methods, CallTool streaming its events', () => {
    expect(existsSync(toolGatewayProtoPath())).toBe(true);

    const service = loadToolGatewayService();

    expect(service.ListTools).toMatchObject({ path: `/${TOOL_GATEWAY_SERVICE}/ListTools`, requestStream: false, responseStream: false });
    expect(service.CallTool).toMatchObject({ path: `/${TOOL_GATEWAY_SERVICE}/CallTool`, requestStream: false, responseStream: true });
  });

  it('round-trips a CallToolEvent with its oneof and an unset optional total', () => {
    const { CallTool } = loadToolGatewayService();
    const encode = (event: unknown) => CallTool?.responseDeserialize(CallTool.responseSerialize(event));

    expect(encode({ progress: { progress: 1, message: 'step' } })).toEqual({ event: 'progress', progress: { progress: 1, message: 'step' } });
    expect(encode({ progress: { progress: 1, total: 4, message: '' } })).toMatchObject({ progress: { progress: 1, total: 4 } });
    expect(encode({ result: { contentJson: '[]', structuredContentJson: '', isError: true, callId: 'c-1' } })).toEqual({
      event: 'result',
      result: { contentJson: '[]', structuredContentJson: '', isError: true, callId: 'c-1' },
    });
  });
});

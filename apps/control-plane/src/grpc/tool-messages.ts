import { callMessageSchema, DomainError, ErrorCode, type JsonRpcMessage, type JsonRpcNotification } from '@switchyard/protocol';

/**
 * The ToolGateway's messages (libs/protocol/proto/switchyard/tool_gateway/v1/tool_gateway.proto)
 * as @grpc/proto-loader gives and takes them (camelCase fields, `oneofs: true`), and their
 * translation from and to MCP. Pure: JSON values travel as JSON text both ways.
 */
export interface ListToolsRequest {
  server: string;
}

export interface CallToolRequest {
  server: string;
  tool: string;
  argumentsJson: string;
  callId: string;
  traceparent: string;
}

export interface GrpcTool {
  name: string;
  title: string;
  description: string;
  inputSchemaJson: string;
  outputSchemaJson: string;
  annotationsJson: string;
}

export type CallToolEvent =
  | { progress: { progress: number; total?: number; message: string } }
  | { log: { level: string; logger: string; dataJson: string } }
  | { result: { contentJson: string; structuredContentJson: string; isError: boolean; callId: string } }
  | { error: { code: number; message: string; dataJson: string; callId: string } };

const jsonText = (value: unknown): string => (value === undefined ? '' : JSON.stringify(value));

/** A tool of a tools/list result as the proto's Tool; what the server left out stays empty. */
export function grpcToolOf(tool: Record<string, unknown>): GrpcTool {
  return {
    name: String(tool.name ?? ''),
    title: typeof tool.title === 'string' ? tool.title : '',
    description: typeof tool.description === 'string' ? tool.description : '',
    inputSchemaJson: jsonText(tool.inputSchema ?? { type: 'object' }),
    outputSchemaJson: jsonText(tool.outputSchema),
    annotationsJson: jsonText(tool.annotations),
  };
}

/**
 * A CallToolRequest checked and parsed: the arguments must be a JSON object (MCP's `arguments`
 * is one), a call id must be usable as the relay's and the audit row's id.
 */
export function parseCallToolRequest(request: CallToolRequest): { server: string; tool: string; args: Record<string, unknown>; callId?: string; traceparent?: string } {
  const problems: Array<{ path: string; message: string }> = [];
  if (request.server === '') problems.push({ path: 'server', message: 'is required' });
  if (request.tool === '') problems.push({ path: 'tool', message: 'is required' });
  let args: Record<string, unknown> = {};
  if (request.argumentsJson !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.argumentsJson);
    } catch {
      problems.push({ path: 'arguments_json', message: 'is not JSON' });
    }
    if (parsed !== undefined) {
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) problems.push({ path: 'arguments_json', message: 'must be a JSON object' });
      else args = parsed as Record<string, unknown>;
    }
  }
  if (request.callId !== '' && !callMessageSchema.shape.callId.safeParse(request.callId).success) {
    problems.push({ path: 'call_id', message: 'must be 1-64 letters, digits or dashes' });
  }
  if (problems.length > 0) throw new DomainError(ErrorCode.BAD_USER_INPUT, `Invalid CallToolRequest: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, { fields: problems });
  return {
    server: request.server,
    tool: request.tool,
    args,
    ...(request.callId === '' ? {} : { callId: request.callId }),
    ...(request.traceparent === '' ? {} : { traceparent: request.traceparent }),
  };
}

/** A progress or logging notification of the call as its stream event; other notifications have none. */
export function eventOfNotification(message: JsonRpcNotification): CallToolEvent | undefined {
  const params = message.params ?? {};
  if (message.method === 'notifications/progress') {
    return {
      progress: {
        progress: typeof params.progress === 'number' ? params.progress : 0,
        ...(typeof params.total === 'number' ? { total: params.total } : {}),
        message: typeof params.message === 'string' ? params.message : '',
      },
    };
  }
  if (message.method === 'notifications/message') {
    return { log: { level: typeof params.level === 'string' ? params.level : 'info', logger: typeof params.logger === 'string' ? params.logger : '', dataJson: jsonText(params.data ?? null) } };
  }
  return undefined;
}

/** The tools/call answer as the stream's last event: the result, or the server's JSON-RPC error. */
export function eventOfAnswer(answer: JsonRpcMessage, callId: string): CallToolEvent {
  if ('error' in answer) {
    return { error: { code: answer.error.code, message: answer.error.message, dataJson: jsonText(answer.error.data), callId } };
  }
  const result = 'result' in answer ? answer.result : {};
  return {
    result: {
      contentJson: jsonText(result.content ?? []),
      structuredContentJson: jsonText(result.structuredContent),
      isError: result.isError === true,
      callId,
    },
  };
}

import { SpanStatusCode, type Attributes, type SpanStatus } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import type { ToolCallOutcome } from '@switchyard/db';

/** How a call ended: the audit row's outcome (prisma's ToolCallOutcome) once it is no longer PENDING. */
export type CallEnd = Exclude<ToolCallOutcome, 'PENDING'>;

/** Every value of CallEnd: the `outcome` label of the call metrics takes only these. */
export const CALL_ENDS = ['OK', 'TOOL_ERROR', 'RPC_ERROR', 'TIMEOUT', 'CANCELLED', 'DENIED', 'INTERRUPTED'] as const satisfies readonly CallEnd[];

/** What the gateway knows when a client's request arrives. */
export interface CallStart {
  /** The server's name as the client addressed it (`/mcp/<server>`): an existing server only. */
  server: string;
  /** The JSON-RPC method; default `tools/call` when `tool` is given. */
  method?: string;
  /** The tool of a `tools/call`. */
  tool?: string;
  sessionId?: string;
  apiKeyId?: string;
  /** The audit row's id (ToolInvocation.callId), to go from a trace to its audit row. */
  callId?: string;
}

/** Where the router sent the call. */
export interface CallTarget {
  versionId: string;
  runnerId: string;
  /** The nodepool's name (or id): one of a few, fine as a metric label. */
  nodepool: string;
}

export interface CallEndDetails {
  /** The JSON-RPC error code of an RPC_ERROR, the runner's reason of an INTERRUPTED call, … */
  errorCode?: string | null;
}

// MCP semantic conventions (OpenTelemetry semconv, "development" status, so copied rather than
// imported from the incubating entry point, as its authors advise).
const ATTR_MCP_METHOD_NAME = 'mcp.method.name';
const ATTR_MCP_SESSION_ID = 'mcp.session.id';
const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
const ATTR_RPC_RESPONSE_STATUS_CODE = 'rpc.response.status_code';

export const TOOLS_CALL = 'tools/call';

export function methodOf(start: CallStart): string {
  return start.method ?? (start.tool === undefined ? 'unknown' : TOOLS_CALL);
}

/** `{mcp.method.name} {target}` as the MCP conventions name a span: `tools/call get_weather`. */
export function spanNameOf(start: CallStart): string {
  const method = methodOf(start);
  return start.tool === undefined ? method : `${method} ${start.tool}`;
}

/** The span's attributes at the start. Ids belong here (a trace is per call), never in metric labels. */
export function startAttributesOf(start: CallStart): Attributes {
  const method = methodOf(start);
  return {
    [ATTR_MCP_METHOD_NAME]: method,
    ...(start.tool === undefined ? {} : { [ATTR_GEN_AI_TOOL_NAME]: start.tool }),
    ...(method === TOOLS_CALL ? { [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool' } : {}),
    ...(start.sessionId === undefined ? {} : { [ATTR_MCP_SESSION_ID]: start.sessionId }),
    'switchyard.server.name': start.server,
    ...(start.apiKeyId === undefined ? {} : { 'switchyard.api_key.id': start.apiKeyId }),
    ...(start.callId === undefined ? {} : { 'switchyard.call.id': start.callId }),
  };
}

export function targetAttributesOf(target: CallTarget): Attributes {
  return { 'switchyard.version.id': target.versionId, 'switchyard.runner.id': target.runnerId, 'switchyard.nodepool': target.nodepool };
}

/**
 * The span's end: the outcome, and for failures `error.type` (MCP conventions: `tool_error` for a
 * result with isError, the JSON-RPC code for an error response) with an ERROR status. A client's
 * own cancellation is not the server's failure: its status stays unset.
 */
export function endOf(outcome: CallEnd, details: CallEndDetails = {}): { attributes: Attributes; status: SpanStatus } {
  const attributes: Attributes = { 'switchyard.call.outcome': outcome };
  const code = details.errorCode ?? undefined;
  if (code !== undefined) attributes['switchyard.call.error_code'] = code;
  if (outcome === 'OK' || outcome === 'CANCELLED') return { attributes, status: { code: SpanStatusCode.UNSET } };
  if (outcome === 'RPC_ERROR' && code !== undefined) attributes[ATTR_RPC_RESPONSE_STATUS_CODE] = code;
  attributes[ATTR_ERROR_TYPE] = outcome === 'TOOL_ERROR' ? 'tool_error' : (code ?? outcome.toLowerCase());
  return { attributes, status: { code: SpanStatusCode.ERROR, message: outcome } };
}

/** Label values with bounded cardinality: servers, versions, nodepools and outcomes; `none` before routing. */
export function metricLabelsOf(server: string, target: CallTarget | undefined, outcome: CallEnd): { server: string; version: string; nodepool: string; outcome: CallEnd } {
  return { server, version: target?.versionId ?? 'none', nodepool: target?.nodepool ?? 'none', outcome };
}

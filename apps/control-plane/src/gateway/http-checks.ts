import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';

/**
 * Header checks of the Streamable HTTP transport (spec 2025-11-25, "Security Warning" and
 * "Protocol Version Header"), as pure functions of header values.
 */

/**
 * DNS rebinding protection: a browser always sends Origin, so a page on an attacker's domain that
 * resolves to this gateway is refused unless its origin is allowed. No Origin = not a browser.
 */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  return origin === undefined || allowed.includes(origin);
}

/** Why an MCP-Protocol-Version header is refused, or undefined. Absent = 2025-03-26, per the spec. */
export function protocolVersionProblem(header: string | undefined): string | undefined {
  if (header === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(header)) return undefined;
  return `Bad Request: unsupported MCP-Protocol-Version ${header} (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`;
}

export function acceptsEventStream(accept: string | undefined): boolean {
  return accept?.includes('text/event-stream') ?? false;
}

/**
 * How a POST's answer may go: `either` when the client takes both (the spec requires clients to):
 * the gateway then answers with one JSON body when the answer comes alone and soon, else with SSE
 * (ClientStream.decide).
 */
export type ResponseMode = 'sse' | 'json' | 'either';

export function responseModeOf(accept: string | undefined): ResponseMode {
  if (!acceptsEventStream(accept)) return 'json';
  return accept?.includes('application/json') ? 'either' : 'sse';
}

/**
 * SSE event ids are `<streamId>.<seq>`: the stream to resume and the last event the client has.
 * Stream ids never contain a dot.
 */
export function eventId(streamId: string, seq: number): string {
  return `${streamId}.${seq}`;
}

export function parseEventId(value: string): { streamId: string; seq: number } | undefined {
  const match = /^([A-Za-z0-9_-]{1,64})\.(\d{1,15})$/.exec(value);
  if (match === null) return undefined;
  return { streamId: match[1] as string, seq: Number(match[2]) };
}

/** Reads a header Node may hand over as a list. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

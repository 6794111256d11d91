import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';

/**
 * What `/mcp` answers to initialize, by itself: upstreams are opened later, so the capabilities
 * are everything the gateway can relay from some server — an upstream without one of them simply
 * contributes nothing there. `listChanged` everywhere: the gateway forwards each upstream's
 * list_changed and sends its own when an upstream goes away.
 */
export const AGGREGATE_CAPABILITIES = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  completions: {},
  logging: {},
} as const;

export const AGGREGATE_SERVER_INFO = { name: 'switchyard', title: 'Switchyard MCP gateway', version: '0.1.0' } as const;

const INSTRUCTIONS =
  'Every MCP server this key may use, in one. Tools and prompts are named <server>__<name> (names over 64 characters end in a hash); ' +
  'resource URIs are switchyard://<server>/<the server URI>. Pass both back exactly as listed.';

/** The version the client asked for when the gateway speaks it, else the latest (the client then decides, as the spec says). */
export function negotiatedVersion(requested: unknown): string {
  return typeof requested === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
}

export function initializeResult(requestedVersion: unknown): Record<string, unknown> {
  return { protocolVersion: negotiatedVersion(requestedVersion), capabilities: AGGREGATE_CAPABILITIES, serverInfo: AGGREGATE_SERVER_INFO, instructions: INSTRUCTIONS };
}

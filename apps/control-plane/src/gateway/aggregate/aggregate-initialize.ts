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

/**
 * Tasks (experimental, 2025-11-25): tools/call as a task, tasks/list and tasks/cancel, relayed to
 * the servers that offer them with task ids naming the server (task-ids.ts). Offered only to a
 * client on a protocol version that has tasks: on an older one no server would run one either.
 */
export const AGGREGATE_TASKS_CAPABILITY = { list: {}, cancel: {}, requests: { tools: { call: {} } } } as const;
const FIRST_VERSION_WITH_TASKS = '2025-11-25';

export const AGGREGATE_SERVER_INFO = { name: 'switchyard', title: 'Switchyard MCP gateway', version: '0.1.0' } as const;

const INSTRUCTIONS =
  'Every MCP server this key may use, in one. Tools and prompts are named <server>__<name> (names over 64 characters end in a hash); ' +
  'resource URIs are switchyard://<server>/<the server URI>. Pass both back exactly as listed.';

/** The version the client asked for when the gateway speaks it, else the latest (the client then decides, as the spec says). */
export function negotiatedVersion(requested: unknown): string {
  return typeof requested === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
}

export function initializeResult(requestedVersion: unknown): Record<string, unknown> {
  const protocolVersion = negotiatedVersion(requestedVersion);
  // Protocol versions are dates: they compare as strings.
  const capabilities = protocolVersion >= FIRST_VERSION_WITH_TASKS ? { ...AGGREGATE_CAPABILITIES, tasks: AGGREGATE_TASKS_CAPABILITY } : AGGREGATE_CAPABILITIES;
  return { protocolVersion, capabilities, serverInfo: AGGREGATE_SERVER_INFO, instructions: INSTRUCTIONS };
}

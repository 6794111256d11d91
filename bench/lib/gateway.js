// The MCP gateway from a client's side, for the suites that call /mcp/<server>: a JSON-mode
// session (one JSON body per call on a keep-alive socket) and the audit check after the calls.
import { MCP_PROTOCOL_VERSION } from './runner.js';

/** The JSON-RPC body of `tools/call echo { message: 'hop' }`. */
export const echoCall = (id) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hop' } } });

/** The echoed text of a JSON answer, or what came instead. */
export const echoText = ({ status, body }) => (status === 200 ? JSON.parse(body).result?.content?.[0]?.text : `HTTP ${status} ${body}`);

/**
 * Opens an MCP session in JSON mode on `path` with an API key: initialize with fetch (node:http's
 * client here returns no headers), notifications/initialized on the keep-alive `http` client. The
 * session is deleted by the cleanups. Resolves the headers each call of the session sends.
 */
export async function openJsonSession({ baseUrl, http, apiKey, path = '/mcp/everything', defer, name = 'gateway JSON session' }) {
  const jsonHeaders = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' };
  const init = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: jsonHeaders,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: MCP_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'bench-json', version: '0' } } }),
  });
  const sessionId = init.headers.get('mcp-session-id');
  if (init.status !== 200 || !sessionId) throw new Error(`JSON client initialize: HTTP ${init.status} ${await init.text()}`);
  const sessionHeaders = { ...jsonHeaders, 'mcp-session-id': sessionId, 'mcp-protocol-version': MCP_PROTOCOL_VERSION };
  await http.request('POST', path, { headers: sessionHeaders, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  defer(name, () => http.request('DELETE', path, { headers: sessionHeaders }));
  return sessionHeaders;
}

/**
 * Waits until no ToolInvocation row is PENDING (the MCP gateway completes its rows after the
 * answer, not awaited by the call), then checks that the echo rows equal the gateway calls.
 */
export async function checkAuditRows(prisma, gatewayCalls) {
  let rows = 0;
  let pending = -1;
  for (let tries = 0; tries < 200 && pending !== 0; tries++) {
    [rows, pending] = await Promise.all([prisma.toolInvocation.count({ where: { tool: 'echo' } }), prisma.toolInvocation.count({ where: { outcome: 'PENDING' } })]);
    if (pending !== 0) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (rows !== gatewayCalls || pending !== 0) throw new Error(`audit rows ${rows} (pending ${pending}) != gateway calls ${gatewayCalls}`);
  return { rows, gatewayCalls };
}

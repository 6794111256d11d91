import { LATEST_PROTOCOL_VERSION, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamConnection } from '../src/supervisor/upstream-connection.js';

type Response = { id: string | number; result?: Record<string, unknown>; error?: { code: number; message: string } };

/** Sends one JSON-RPC request over the raw connection and waits for the response with its id. */
export function request(connection: UpstreamConnection, id: number, method: string, params: Record<string, unknown> = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no response to ${method} (id ${id}) within 10 s`)), 10_000);
    const off = connection.onMessage((message: JSONRPCMessage) => {
      if ('id' in message && message.id === id && ('result' in message || 'error' in message)) {
        clearTimeout(timer);
        off();
        resolve(message as Response);
      }
    });
    connection.send({ jsonrpc: '2.0', id, method, params }).catch((error: unknown) => {
      clearTimeout(timer);
      reject(error as Error);
    });
  });
}

/** The MCP handshake a client performs before anything else. */
export async function initialize(connection: UpstreamConnection, id = 1): Promise<Response> {
  const response = await request(connection, id, 'initialize', {
    protocolVersion: LATEST_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'switchyard-runner-test', version: '0.0.0' },
  });
  await connection.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return response;
}

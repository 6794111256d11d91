// The demo's MCP side: an agent key (role AGENT, scope mcp:call) kept across runs, and a check that
// a real MCP client reaches the placed server through the gateway.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Graphql } from './graphql-client.js';

export const CREATE_AGENT_KEY = /* GraphQL */ `
  mutation DemoAgentKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }`;

/** The kept agent key when it still works, else a new one (90 days). */
export async function demoAgentKey(gql: Graphql, gatewayUrl: string, kept: string | undefined): Promise<{ key: string; created: boolean }> {
  if (kept !== undefined && (await keyCanCall(gatewayUrl, kept))) return { key: kept, created: false };
  const { createApiKey } = await gql<{ createApiKey: { key: string } }>(CREATE_AGENT_KEY, { input: { name: 'demo-agent', role: 'AGENT', scopes: ['mcp:call'] } });
  return { key: createApiKey.key, created: true };
}

/** A revoked or expired key gets 401/403 at initialize; anything else is not the key's fault. */
async function keyCanCall(gatewayUrl: string, key: string): Promise<boolean> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }),
  });
  await response.body?.cancel();
  return response.status !== 401 && response.status !== 403;
}

/** initialize, tools/list and one echo through the gateway, with the SDK's own client. */
export async function verifyMcp(gatewayUrl: string, key: string): Promise<{ tools: number; echo: string }> {
  const client = new Client({ name: 'switchyard-demo', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(gatewayUrl), { requestInit: { headers: { Authorization: `Bearer ${key}` } } });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    const result = (await client.callTool({ name: 'echo', arguments: { message: 'hello from the demo' } })) as { content?: Array<{ text?: string }> };
    return { tools: tools.length, echo: result.content?.[0]?.text ?? '' };
  } finally {
    await transport.terminateSession().catch(() => undefined);
    await client.close();
  }
}


// What the demo puts into a fresh control plane, and the GraphQL documents it uses. Everything
// goes through the public admin API with the demo admin key, exactly as an operator would.
import { GraphqlRequestError, type Graphql } from './graphql-client.js';

export const DEMO_NODEPOOLS = [
  { name: 'saas-eu', kind: 'SAAS', region: 'eu-west-1', jurisdiction: 'EU' },
  { name: 'vpc-acme-us', kind: 'VPC', region: 'us-east-1', jurisdiction: 'US' },
  { name: 'onprem-gpu-de', kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' },
] as const;

export const DEMO_SERVERS = [
  {
    name: 'everything',
    description: 'MCP reference server exercising every protocol feature (tools, resources, prompts)',
    version: { version: '1.0.0', transport: 'STDIO', command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'] },
  },
  {
    name: 'filesystem',
    description: 'MCP reference filesystem server, limited to one directory',
    version: { version: '1.0.0', transport: 'STDIO', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/mcp-data'] },
  },
] as const;

export const WHOAMI = /* GraphQL */ `
  query DemoWhoami { whoami { id name role } }`;

export const LIST_NODEPOOLS = /* GraphQL */ `
  query DemoNodepools { nodepools(first: 50) { nodes { id name } } }`;

export const CREATE_NODEPOOL = /* GraphQL */ `
  mutation DemoCreateNodepool($input: CreateNodepoolInput!) { createNodepool(input: $input) { id name } }`;

export const LIST_SERVERS = /* GraphQL */ `
  query DemoServers { mcpServers(first: 50) { nodes { id name } } }`;

export const CREATE_SERVER = /* GraphQL */ `
  mutation DemoCreateServer($input: CreateMcpServerInput!) { createMcpServer(input: $input) { id name } }`;

export const CREATE_SERVER_VERSION = /* GraphQL */ `
  mutation DemoCreateServerVersion($input: CreateMcpServerVersionInput!) { createMcpServerVersion(input: $input) { id version } }`;

export interface SeedReport {
  created: string[];
  existing: string[];
}

interface Named {
  nodes: Array<{ id: string; name: string }>;
}

/** Creates what is missing; running it again changes nothing. */
export async function seedDemo(gql: Graphql): Promise<SeedReport> {
  const report: SeedReport = { created: [], existing: [] };

  const { nodepools } = await gql<{ nodepools: Named }>(LIST_NODEPOOLS);
  const pools = new Set(nodepools.nodes.map((n) => n.name));
  for (const pool of DEMO_NODEPOOLS) {
    if (pools.has(pool.name)) {
      report.existing.push(`nodepool ${pool.name}`);
      continue;
    }
    await createOrExisting(gql, CREATE_NODEPOOL, { ...pool }, `nodepool ${pool.name}`, report);
  }

  const { mcpServers } = await gql<{ mcpServers: Named }>(LIST_SERVERS);
  const servers = new Set(mcpServers.nodes.map((n) => n.name));
  for (const server of DEMO_SERVERS) {
    if (servers.has(server.name)) report.existing.push(`server ${server.name}`);
    else await createOrExisting(gql, CREATE_SERVER, { name: server.name, description: server.description }, `server ${server.name}`, report);
    const version = { serverName: server.name, ...server.version, args: [...server.version.args] };
    await createOrExisting(gql, CREATE_SERVER_VERSION, version, `version ${server.name}@${server.version.version}`, report);
  }
  return report;
}

/** A CONFLICT means someone (an earlier run) created it already: that is success here. */
async function createOrExisting(gql: Graphql, mutation: string, input: Record<string, unknown>, label: string, report: SeedReport): Promise<void> {
  try {
    await gql(mutation, { input });
    report.created.push(label);
  } catch (error) {
    if (error instanceof GraphqlRequestError && error.code === 'CONFLICT') report.existing.push(label);
    else throw error;
  }
}

/** For --once: the seeded state can be read back through the API with the admin key. */
export async function verifyDemo(gql: Graphql): Promise<void> {
  const { whoami } = await gql<{ whoami: { role: string } }>(WHOAMI);
  if (whoami.role !== 'ADMIN') throw new Error(`the demo key has role ${whoami.role}, expected ADMIN`);
  const { nodepools } = await gql<{ nodepools: Named }>(LIST_NODEPOOLS);
  const names = new Set(nodepools.nodes.map((n) => n.name));
  const missing = DEMO_NODEPOOLS.filter((p) => !names.has(p.name)).map((p) => p.name);
  if (missing.length) throw new Error(`nodepools missing after seeding: ${missing.join(', ')}`);
  const { mcpServers } = await gql<{ mcpServers: Named }>(LIST_SERVERS);
  const serverNames = new Set(mcpServers.nodes.map((n) => n.name));
  const missingServers = DEMO_SERVERS.filter((d) => !serverNames.has(d.name)).map((d) => d.name);
  if (missingServers.length) throw new Error(`servers missing after seeding: ${missingServers.join(', ')}`);
}

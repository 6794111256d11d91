// What the demo puts into a fresh control plane, and the GraphQL documents it uses. Everything
// goes through the public admin API with the demo admin key, exactly as an operator would.
import { GraphqlRequestError, type Graphql } from './graphql-client.js';

export const DEMO_NODEPOOLS = [
  { name: 'saas-eu', kind: 'SAAS', region: 'eu-west-1', jurisdiction: 'EU' },
  { name: 'vpc-acme-us', kind: 'VPC', region: 'us-east-1', jurisdiction: 'US' },
  { name: 'onprem-gpu-de', kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' },
] as const;

/** How a demo server's version is launched (the fields of CreateMcpServerVersionInput it sets). */
export interface DemoVersion {
  version: string;
  transport: 'STDIO';
  command: string;
  args: string[];
  artifactIntegrity?: string;
}

export interface DemoServer {
  name: string;
  description: string;
  version: DemoVersion;
}

/** The nodepool the demo runner enrolls into, and the server it places there. */
export const DEMO_RUNNER_NODEPOOL = 'onprem-gpu-de';
export const DEMO_PLACED_SERVER = 'everything';

/**
 * `everything` runs the copy of @modelcontextprotocol/server-everything installed in the repo
 * (`node <its entry> stdio`), pinned to its SRI hash: the runner refuses to start a file that
 * differs, and nothing is fetched from the network when the demo starts it. Its version is the
 * package's own.
 */
export function demoServers(everything: { version: string; entry: string; integrity: string }): DemoServer[] {
  return [
    {
      name: DEMO_PLACED_SERVER,
      description: 'MCP reference server exercising every protocol feature (tools, resources, prompts)',
      version: { version: everything.version, transport: 'STDIO', command: 'node', args: [everything.entry, 'stdio'], artifactIntegrity: everything.integrity },
    },
    {
      name: 'filesystem',
      description: 'MCP reference filesystem server, limited to one directory',
      version: { version: '1.0.0', transport: 'STDIO', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/mcp-data'] },
    },
  ];
}

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

export const SERVER_VERSIONS = /* GraphQL */ `
  query DemoServerVersions($name: String!) { mcpServerByName(name: $name) { id versions { id version } } }`;

export const CREATE_DEPLOYMENT = /* GraphQL */ `
  mutation DemoCreateDeployment($input: CreateDeploymentInput!) { createDeployment(input: $input) { id } }`;

export const DEPLOYMENTS = /* GraphQL */ `
  query DemoDeployments($filter: DeploymentFilterInput) { deployments(filter: $filter, first: 50) { nodes { id versionId nodepoolId } } }`;

export interface SeedReport {
  created: string[];
  existing: string[];
  /** The deployment of DEMO_PLACED_SERVER on DEMO_RUNNER_NODEPOOL. */
  placed: { deploymentId: string; versionId: string; nodepoolId: string };
}

interface Named {
  nodes: Array<{ id: string; name: string }>;
}

/** Creates what is missing; running it again changes nothing. */
export async function seedDemo(gql: Graphql, servers: DemoServer[]): Promise<SeedReport> {
  const report: Omit<SeedReport, 'placed'> = { created: [], existing: [] };

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
  const existingServers = new Set(mcpServers.nodes.map((n) => n.name));
  for (const server of servers) {
    if (existingServers.has(server.name)) report.existing.push(`server ${server.name}`);
    else await createOrExisting(gql, CREATE_SERVER, { name: server.name, description: server.description }, `server ${server.name}`, report);
    const version = { serverName: server.name, ...server.version, args: [...server.version.args] };
    await createOrExisting(gql, CREATE_SERVER_VERSION, version, `version ${server.name}@${server.version.version}`, report);
  }

  const placedServer = servers.find((server) => server.name === DEMO_PLACED_SERVER);
  if (!placedServer) throw new Error(`the demo servers have no ${DEMO_PLACED_SERVER}`);
  const { mcpServerByName } = await gql<{ mcpServerByName: { versions: Array<{ id: string; version: string }> } }>(SERVER_VERSIONS, { name: DEMO_PLACED_SERVER });
  const versionId = mcpServerByName.versions.find((v) => v.version === placedServer.version.version)?.id;
  const nodepoolId = (await gql<{ nodepools: Named }>(LIST_NODEPOOLS)).nodepools.nodes.find((n) => n.name === DEMO_RUNNER_NODEPOOL)?.id;
  if (!versionId || !nodepoolId) throw new Error(`version ${DEMO_PLACED_SERVER}@${placedServer.version.version} or nodepool ${DEMO_RUNNER_NODEPOOL} missing after seeding`);
  const label = `deployment ${DEMO_PLACED_SERVER}@${placedServer.version.version} on ${DEMO_RUNNER_NODEPOOL}`;
  await createOrExisting(gql, CREATE_DEPLOYMENT, { versionId, nodepoolId, replicas: 1 }, label, report);
  const { deployments } = await gql<{ deployments: { nodes: Array<{ id: string; versionId: string }> } }>(DEPLOYMENTS, { filter: { nodepoolId } });
  const deploymentId = deployments.nodes.find((d) => d.versionId === versionId)?.id;
  if (!deploymentId) throw new Error(`${label} missing after seeding`);
  return { ...report, placed: { deploymentId, versionId, nodepoolId } };
}

/** A CONFLICT means someone (an earlier run) created it already: that is success here. */
async function createOrExisting(gql: Graphql, mutation: string, input: Record<string, unknown>, label: string, report: Omit<SeedReport, 'placed'>): Promise<void> {
  try {
    await gql(mutation, { input });
    report.created.push(label);
  } catch (error) {
    if (error instanceof GraphqlRequestError && error.code === 'CONFLICT') report.existing.push(label);
    else throw error;
  }
}

/** For --once: the seeded state can be read back through the API with the admin key. */
export async function verifyDemo(gql: Graphql, servers: DemoServer[]): Promise<void> {
  const { whoami } = await gql<{ whoami: { role: string } }>(WHOAMI);
  if (whoami.role !== 'ADMIN') throw new Error(`the demo key has role ${whoami.role}, expected ADMIN`);
  const { nodepools } = await gql<{ nodepools: Named }>(LIST_NODEPOOLS);
  const names = new Set(nodepools.nodes.map((n) => n.name));
  const missing = DEMO_NODEPOOLS.filter((p) => !names.has(p.name)).map((p) => p.name);
  if (missing.length) throw new Error(`nodepools missing after seeding: ${missing.join(', ')}`);
  const { mcpServers } = await gql<{ mcpServers: Named }>(LIST_SERVERS);
  const serverNames = new Set(mcpServers.nodes.map((n) => n.name));
  const missingServers = servers.filter((d) => !serverNames.has(d.name)).map((d) => d.name);
  if (missingServers.length) throw new Error(`servers missing after seeding: ${missingServers.join(', ')}`);
}

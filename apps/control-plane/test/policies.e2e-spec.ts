import { codesOf, startControlPlane, ApiKeyRole, type GraphQLResponse, type TestControlPlane } from './harness.js';

const FIELDS = `id serverId allowedJurisdictions allowedRegions allowedKinds failoverOrder retryMaxAttempts retryBudgetRatio
  routerKind routerParams`;
const CREATE = `mutation($input: CreateRoutePolicyInput!) { createRoutePolicy(input: $input) { ${FIELDS} server { name } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateRoutePolicyInput!) { updateRoutePolicy(id: $id, input: $input) { ${FIELDS} } }`;
const LIST = `query($first: Int, $after: String, $filter: RoutePolicyFilterInput) {
  routePolicies(first: $first, after: $after, filter: $filter) { totalCount pageInfo { endCursor hasNextPage } nodes { id serverId } }
}`;
const UNKNOWN_ID = '0190b6a2-0000-7000-8000-000000000000';

interface Policy {
  id: string;
  serverId: string;
  allowedJurisdictions: string[];
  allowedKinds: string[];
  failoverOrder: string[];
  retryMaxAttempts: number;
  retryBudgetRatio: number;
  routerKind: string;
  routerParams: Record<string, unknown>;
}
type Page = { routePolicies: { totalCount: number; pageInfo: { endCursor: string; hasNextPage: boolean }; nodes: Array<{ id: string; serverId: string }> } };

function fieldPaths(response: GraphQLResponse): string[] {
  const fields = (response.errors?.[0]?.extensions?.['fields'] ?? []) as Array<{ path: string }>;
  return fields.map((f) => f.path).sort();
}

describe('route policies through GraphQL', () => {
  let sut: TestControlPlane;
  let operator: string;
  let viewer: string;
  let serverCount = 0;

  const newServer = async (): Promise<string> => {
    serverCount += 1;
    return (await sut.prisma.mcpServer.create({ data: { name: `routed-${serverCount}` } })).id;
  };
  const createPolicy = async (input: Record<string, unknown>): Promise<Policy> => {
    const response = await sut.gql<{ createRoutePolicy: Policy }>(CREATE, { input }, operator);
    expect(response.errors).toBeUndefined();
    return response.data!.createRoutePolicy;
  };

  beforeAll(async () => {
    sut = await startControlPlane();
    operator = await sut.keyFor(ApiKeyRole.OPERATOR);
    viewer = await sut.keyFor(ApiKeyRole.VIEWER);
    for (const [name, jurisdiction] of [['eu-saas', 'EU'], ['de-onprem', 'EU'], ['us-vpc', 'US']] as const) {
      await sut.prisma.nodepool.create({ data: { name, kind: 'SAAS', region: 'r-1', jurisdiction } });
    }
  });
  afterAll(() => sut.close());

  it('creates, reads, updates and deletes a policy, each change audited', async () => {
    const serverId = await newServer();
    const created = await createPolicy({
      serverId,
      allowedJurisdictions: ['EU', 'EU'],
      allowedKinds: ['SAAS', 'ON_PREM'],
      failoverOrder: ['de-onprem', 'eu-saas'],
      retryMaxAttempts: 2,
      retryBudgetRatio: 0.2,
      routerKind: 'EPSILON_GREEDY',
      routerParams: { epsilon: 0.05, arms: { floor: 0.1 } },
    });
    expect(created).toMatchObject({
      serverId,
      allowedJurisdictions: ['EU'],
      allowedKinds: ['SAAS', 'ON_PREM'],
      failoverOrder: ['de-onprem', 'eu-saas'],
      retryMaxAttempts: 2,
      retryBudgetRatio: 0.2,
      routerKind: 'EPSILON_GREEDY',
      routerParams: { epsilon: 0.05, arms: { floor: 0.1 } },
      server: { name: `routed-${serverCount}` },
    });

    const viaServer = await sut.gql<{ mcpServer: { routePolicy: { id: string } } }>(
      `query($id: ID!) { mcpServer(id: $id) { routePolicy { id } } }`,
      { id: serverId },
      viewer,
    );
    expect(viaServer.data?.mcpServer.routePolicy.id).toBe(created.id);

    const updated = await sut.gql<{ updateRoutePolicy: Policy }>(
      UPDATE,
      { id: created.id, input: { allowedJurisdictions: [], routerKind: 'THOMPSON', routerParams: {}, failoverOrder: null } },
      operator,
    );
    expect(updated.data?.updateRoutePolicy).toMatchObject({
      allowedJurisdictions: [],
      failoverOrder: ['de-onprem', 'eu-saas'],
      retryMaxAttempts: 2,
      routerKind: 'THOMPSON',
      routerParams: {},
    });

    expect((await sut.gql(`mutation($id: ID!) { deleteRoutePolicy(id: $id) { id } }`, { id: created.id }, operator)).errors).toBeUndefined();
    expect(codesOf(await sut.gql(`query($id: ID!) { routePolicy(id: $id) { id } }`, { id: created.id }, viewer))).toEqual(['NOT_FOUND']);

    const events = await sut.prisma.adminEvent.findMany({ where: { targetId: created.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.action)).toEqual(['routePolicy.create', 'routePolicy.update', 'routePolicy.delete']);
    expect(new Set(events.map((e) => e.actorName))).toEqual(new Set(['test-operator']));
  });

  it('defaults to no restrictions, no retries and the weighted router', async () => {
    const created = await createPolicy({ serverId: await newServer() });
    expect(created).toMatchObject({
      allowedJurisdictions: [],
      allowedKinds: [],
      failoverOrder: [],
      retryMaxAttempts: 0,
      retryBudgetRatio: 0.1,
      routerKind: 'WEIGHTED',
      routerParams: {},
    });
  });

  it('reports each invalid field of the input', async () => {
    const serverId = await newServer();
    const ranges = await sut.gql(
      CREATE,
      { input: { serverId: 'srv', retryMaxAttempts: 6, retryBudgetRatio: 1.5, allowedRegions: [''] } },
      operator,
    );
    expect(codesOf(ranges)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(ranges)).toEqual(['allowedRegions', 'retryBudgetRatio', 'retryMaxAttempts', 'serverId']);

    const failover = await sut.gql(CREATE, { input: { serverId, failoverOrder: ['eu-saas', 'atlantis', 'eu-saas'] } }, operator);
    expect(fieldPaths(failover)).toEqual(['failoverOrder.1', 'failoverOrder.2']);
    expect(failover.errors![0]!.message).toMatch(/no nodepool named "atlantis" exists/);

    const bigParams = await sut.gql(CREATE, { input: { serverId, routerParams: { blob: 'x'.repeat(5000) } } }, operator);
    expect(fieldPaths(bigParams)).toEqual(['routerParams']);
    // Inline literals: GraphQL itself refuses these before our validation runs.
    const literal = (fields: string) => sut.gql(`mutation { createRoutePolicy(input: { serverId: "${serverId}", ${fields} }) { id } }`, {}, operator);
    expect(codesOf(await literal('routerParams: [1, 2]'))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await literal('allowedKinds: [MAINFRAME]'))).toEqual(['BAD_USER_INPUT']);
    expect(await sut.prisma.routePolicy.count({ where: { serverId } })).toBe(0);

    const policy = await createPolicy({ serverId });
    const badUpdate = await sut.gql(UPDATE, { id: policy.id, input: { failoverOrder: ['nowhere'], retryMaxAttempts: -1 } }, operator);
    expect(fieldPaths(badUpdate)).toEqual(['retryMaxAttempts']);
    expect(fieldPaths(await sut.gql(UPDATE, { id: policy.id, input: { failoverOrder: ['nowhere'] } }, operator))).toEqual(['failoverOrder.0']);
  });

  it('refuses a second policy for one server with CONFLICT', async () => {
    const serverId = await newServer();
    const first = await createPolicy({ serverId });
    const before = await sut.prisma.adminEvent.count();
    const second = await sut.gql(CREATE, { input: { serverId, routerKind: 'UCB1' } }, operator);
    expect(codesOf(second)).toEqual(['CONFLICT']);
    expect(second.errors![0]!.message).toContain(`already has a route policy (${first.id})`);
    expect(await sut.prisma.adminEvent.count()).toBe(before);
  });

  it('answers NOT_FOUND for an unknown server or policy', async () => {
    expect(codesOf(await sut.gql(CREATE, { input: { serverId: UNKNOWN_ID } }, operator))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(UPDATE, { id: UNKNOWN_ID, input: { retryMaxAttempts: 1 } }, operator))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(`mutation { deleteRoutePolicy(id: "${UNKNOWN_ID}") { id } }`, {}, operator))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sut.gql(`query { routePolicy(id: "${UNKNOWN_ID}") { id } }`, {}, viewer))).toEqual(['NOT_FOUND']);
  });

  it('goes away with its server', async () => {
    const serverId = await newServer();
    const policy = await createPolicy({ serverId });
    expect((await sut.gql(`mutation($id: ID!) { deleteMcpServer(id: $id) { id } }`, { id: serverId }, operator)).errors).toBeUndefined();
    expect(await sut.prisma.routePolicy.count({ where: { id: policy.id } })).toBe(0);
  });

  it('filters by server and pages with cursors', async () => {
    const policies: Policy[] = [];
    for (let i = 0; i < 3; i++) policies.push(await createPolicy({ serverId: await newServer(), retryMaxAttempts: 5 }));
    const all = await sut.gql<Page>(LIST, { first: 100 }, viewer);
    const ids = all.data!.routePolicies.nodes.map((n) => n.id);
    expect(ids.slice(-3)).toEqual(policies.map((p) => p.id));

    const first = await sut.gql<Page>(LIST, { first: 2 }, viewer);
    expect(first.data?.routePolicies.totalCount).toBe(ids.length);
    expect(first.data?.routePolicies.pageInfo.hasNextPage).toBe(true);
    const rest = await sut.gql<Page>(LIST, { first: 100, after: first.data!.routePolicies.pageInfo.endCursor }, viewer);
    expect([...first.data!.routePolicies.nodes, ...rest.data!.routePolicies.nodes].map((n) => n.id)).toEqual(ids);

    const serverId = policies[1]!.serverId;
    const byServer = await sut.gql<Page>(LIST, { filter: { serverId } }, viewer);
    expect(byServer.data?.routePolicies).toMatchObject({ totalCount: 1, nodes: [{ id: policies[1]!.id, serverId }] });
    expect(fieldPaths(await sut.gql(LIST, { filter: { serverId: 'x' } }, viewer))).toEqual(['filter.serverId']);
  });
});

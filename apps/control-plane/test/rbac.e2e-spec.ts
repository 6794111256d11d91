import { GraphQLSchemaHost } from '@nestjs/graphql';
import { codesOf, startControlPlane, ApiKeyRole, type TestControlPlane } from './harness.js';
import { rootFieldOperations } from './schema-walk.js';

describe('RBAC over the whole admin schema', () => {
  let sut: TestControlPlane;
  let viewerKey: string;
  let agentKey: string;

  beforeAll(async () => {
    sut = await startControlPlane();
    viewerKey = await sut.keyFor(ApiKeyRole.VIEWER);
    agentKey = await sut.keyFor(ApiKeyRole.AGENT);
  });
  afterAll(() => sut.close());

  const schema = () => sut.app.get(GraphQLSchemaHost).schema;

  it('has a non-trivial schema to walk', () => {
    expect(rootFieldOperations(schema(), 'query').length).toBeGreaterThanOrEqual(5);
    expect(rootFieldOperations(schema(), 'mutation').length).toBeGreaterThanOrEqual(5);
  });

  it('refuses every query and mutation field to an anonymous caller', async () => {
    const operations = [...rootFieldOperations(schema(), 'query'), ...rootFieldOperations(schema(), 'mutation')];
    const failures: string[] = [];
    for (const op of operations) {
      const response = await sut.gql(op.query, op.variables);
      const codes = codesOf(response);
      if (codes.length !== 1 || codes[0] !== 'UNAUTHENTICATED' || response.data?.[op.field] != null) {
        failures.push(`${op.field}: ${JSON.stringify(response.errors ?? response.data)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses every mutation to a viewer', async () => {
    const failures: string[] = [];
    for (const op of rootFieldOperations(schema(), 'mutation')) {
      const response = await sut.gql(op.query, op.variables, viewerKey);
      if (codesOf(response).join() !== 'FORBIDDEN') failures.push(`${op.field}: ${JSON.stringify(response.errors)}`);
    }
    expect(failures).toEqual([]);
  });

  it('refuses every admin API field to an agent key (agents only call the gateway)', async () => {
    const failures: string[] = [];
    for (const op of [...rootFieldOperations(schema(), 'query'), ...rootFieldOperations(schema(), 'mutation')]) {
      const response = await sut.gql(op.query, op.variables, agentKey);
      if (codesOf(response).join() !== 'FORBIDDEN') failures.push(`${op.field}: ${JSON.stringify(response.errors)}`);
    }
    expect(failures).toEqual([]);
  });

  it('no mutation attempt by a refused caller left an admin event behind', async () => {
    const events = await sut.prisma.adminEvent.findMany({ where: { actorName: { not: 'cli' } } });
    expect(events).toEqual([]);
  });
});

/** A minimal GraphQL-over-HTTP client for the demo seed (fetch, bearer key, JSON). */
export interface GraphqlErrorEntry {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

export class GraphqlRequestError extends Error {
  override readonly name = 'GraphqlRequestError';
  constructor(
    message: string,
    readonly errors: GraphqlErrorEntry[],
    readonly status: number,
  ) {
    super(message);
  }

  /** The first error's extensions.code, e.g. CONFLICT or UNAUTHENTICATED. */
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

export type Graphql = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;

export function graphqlClient(endpoint: string, apiKey: string): Graphql {
  return async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    let body: { data?: T; errors?: GraphqlErrorEntry[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new GraphqlRequestError(`HTTP ${response.status} from ${endpoint}: ${text.slice(0, 200)}`, [], response.status);
    }
    if (body.errors?.length) {
      const summary = body.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; ');
      throw new GraphqlRequestError(summary, body.errors, response.status);
    }
    if (!body.data) throw new GraphqlRequestError(`HTTP ${response.status}: no data`, [], response.status);
    return body.data;
  };
}

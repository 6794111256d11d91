import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { ControlPlaneConfig } from '../config/config.js';
import { graphqlMetricsPlugin } from '../metrics/metrics.plugin.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { formatGraphQLError } from './error-mapping.js';
import { queryLimitsPlugin } from './limits.plugin.js';

/** GraphQL at /graphql, code-first. The schema is built in memory; `npm run graphql:schema` writes it. */
export function graphqlOptions(config: ControlPlaneConfig, metrics: MetricsService): Omit<ApolloDriverConfig, 'driver'> {
  return {
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    introspection: config.graphql.introspection,
    playground: false,
    graphiql: false,
    includeStacktraceInErrorResponses: false,
    // main.ts owns shutdown; Apollo's own handler would re-raise the signal and kill the process.
    stopOnTerminationSignals: false,
    formatError: formatGraphQLError,
    plugins: [queryLimitsPlugin(config.graphql), graphqlMetricsPlugin(metrics)],
  };
}

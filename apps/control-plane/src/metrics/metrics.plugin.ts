import type { ApolloServerPlugin } from '@apollo/server';
import type { MetricsService } from './metrics.service.js';

/** Counts GraphQL operations by type (query/mutation) and outcome (ok/error). */
export function graphqlMetricsPlugin(metrics: MetricsService): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const stopTimer = metrics.graphqlDuration.startTimer();
      let operation = 'unknown';
      return {
        async didResolveOperation({ operation: op }) {
          operation = op?.operation ?? 'unknown';
        },
        async willSendResponse({ errors }) {
          stopTimer({ operation });
          metrics.graphqlRequests.inc({ operation, outcome: errors?.length ? 'error' : 'ok' });
        },
      };
    },
  };
}

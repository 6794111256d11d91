import { Module } from '@nestjs/common';
import { RelayModule } from '../relay/relay.module.js';
import { RolloutsModule } from '../rollouts/rollouts.module.js';
import { RolloutWeights } from '../rollouts/rollout-weights.js';
import { ActiveProber } from './active-prober.js';
import { ARM_WEIGHTS_SOURCE } from './arm-weights-source.js';
import { OutstandingRequests } from './outstanding-requests.js';
import { RoutedUpstreamChooser } from './routed-upstream-chooser.js';
import { RoutingPolicies } from './routing-policies.js';
import { RoutingRepository } from './routing.repository.js';
import { RoutingSnapshotSource } from './routing-snapshot-source.js';
import { RoutingStats } from './routing-stats.js';

/**
 * The policy router in the control plane (docs/router.md, "In the control plane"): snapshots from
 * Postgres, statistics shared through Redis, active probes, and the gateway's UpstreamChooser.
 * Arm weights come from the server's active rollout (RolloutWeights).
 */
@Module({
  imports: [RelayModule, RolloutsModule],
  providers: [
    RoutingRepository,
    RoutingPolicies,
    RoutingStats,
    OutstandingRequests,
    RoutingSnapshotSource,
    RoutedUpstreamChooser,
    ActiveProber,
    // The active rollout's weights (src/rollouts); its changes drop the server's snapshot here.
    { provide: ARM_WEIGHTS_SOURCE, useExisting: RolloutWeights },
  ],
  exports: [RoutedUpstreamChooser, RoutingStats, OutstandingRequests, RoutingSnapshotSource, ActiveProber],
})
export class RoutingModule {}

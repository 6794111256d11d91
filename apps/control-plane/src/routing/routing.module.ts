import { Module } from '@nestjs/common';
import { RelayModule } from '../relay/relay.module.js';
import { ActiveProber } from './active-prober.js';
import { ARM_WEIGHTS_SOURCE, NoActiveRollouts } from './arm-weights-source.js';
import { OutstandingRequests } from './outstanding-requests.js';
import { RoutedUpstreamChooser } from './routed-upstream-chooser.js';
import { RoutingPolicies } from './routing-policies.js';
import { RoutingRepository } from './routing.repository.js';
import { RoutingSnapshotSource } from './routing-snapshot-source.js';
import { RoutingStats } from './routing-stats.js';

/**
 * The policy router in the control plane (docs/router.md, "In the control plane"): snapshots from
 * Postgres, statistics shared through Redis, active probes, and the gateway's UpstreamChooser.
 * ARM_WEIGHTS_SOURCE defaults to NoActiveRollouts until the rollouts module binds RolloutWeights.
 */
@Module({
  imports: [RelayModule],
  providers: [
    RoutingRepository,
    RoutingPolicies,
    RoutingStats,
    OutstandingRequests,
    RoutingSnapshotSource,
    RoutedUpstreamChooser,
    ActiveProber,
    { provide: ARM_WEIGHTS_SOURCE, useClass: NoActiveRollouts },
  ],
  exports: [RoutedUpstreamChooser, RoutingStats, OutstandingRequests, RoutingSnapshotSource, ActiveProber],
})
export class RoutingModule {}

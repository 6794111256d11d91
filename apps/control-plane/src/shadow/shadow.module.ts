import { Module } from '@nestjs/common';
import { RelayModule } from '../relay/relay.module.js';
import { RolloutsModule } from '../rollouts/rollouts.module.js';
import { RoutingModule } from '../routing/routing.module.js';
import { ShadowComparer } from './shadow-comparer.js';
import { ShadowMirror } from './shadow-mirror.js';
import { ShadowQueue } from './shadow-queue.js';
import { ShadowRepository } from './shadow.repository.js';
import { ShadowResolver } from './shadow.resolver.js';
import { ShadowService } from './shadow.service.js';
import { ShadowStore } from './shadow-store.js';
import { ShadowUpstream } from './shadow-upstream.js';

/**
 * Shadow traffic for rollouts (docs/rollouts.md, "Shadow traffic"): the gateway offers the
 * champion's OK answers to ShadowMirror; allow-listed calls go through BullMQ to a worker that
 * replays them on the challenger (routed by the policy router) and compares, with noise learned
 * from champion-vs-champion pairs. The counts feed the SHADOW gate.
 */
@Module({
  imports: [RelayModule, RoutingModule, RolloutsModule],
  providers: [ShadowRepository, ShadowStore, ShadowUpstream, ShadowComparer, ShadowQueue, ShadowMirror, ShadowService, ShadowResolver],
  exports: [ShadowMirror],
})
export class ShadowModule {}

import { Int, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { DeploymentModel } from '../deployments/deployment.model.js';
import { PlacementRepository } from './placement.repository.js';

/**
 * `Deployment.unplacedReplicas` and `shortfallReason` live here rather than in the deployments
 * module: placement depends on deployments, not the other way round.
 */
@Resolver(() => DeploymentModel)
export class DeploymentPlacementResolver {
  constructor(private readonly repository: PlacementRepository) {}

  // Counted from the placements themselves, so it is right even before the first pass has run.
  @ResolveField(() => Int, { description: 'Replicas not placed on any runner (replicas minus placements).' })
  async unplacedReplicas(@Parent() deployment: DeploymentModel): Promise<number> {
    return Math.max(0, deployment.replicas - (await this.repository.placementCount(deployment.id)));
  }

  @ResolveField(() => String, {
    nullable: true,
    description: 'Why placement could not place every replica, e.g. "no healthy runner in the nodepool"; null when fully placed or not planned yet.',
  })
  async shortfallReason(@Parent() deployment: DeploymentModel): Promise<string | null> {
    if ((await this.unplacedReplicas(deployment)) === 0) return null;
    return (await this.repository.shortfallOf(deployment.id))?.reason ?? null;
  }
}

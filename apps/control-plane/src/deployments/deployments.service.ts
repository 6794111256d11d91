import { Injectable } from '@nestjs/common';
import type { Deployment, Placement } from '@switchyard/db';
import { DomainError } from '@switchyard/protocol';
import type { Actor } from '../admin-events/actor.js';
import { AdminEventsService } from '../admin-events/admin-events.service.js';
import type { Page, PageArgs } from '../graphql/pagination.js';
import { NodepoolsService } from '../nodepools/nodepools.service.js';
import { ServerVersionsService } from '../servers/server-versions.service.js';
import type { CreateDeploymentInput, UpdateDeploymentInput } from './deployment.model.js';
import { DeploymentEvents } from './deployment-events.js';
import { DeploymentsRepository, type DeploymentFilter } from './deployments.repository.js';
import { gpuRequirementProblems, type GpuRequirement } from './gpu-requirement.js';

@Injectable()
export class DeploymentsService {
  constructor(
    private readonly repository: DeploymentsRepository,
    private readonly versions: ServerVersionsService,
    private readonly nodepools: NodepoolsService,
    private readonly adminEvents: AdminEventsService,
    private readonly events: DeploymentEvents,
  ) {}

  async get(id: string): Promise<Deployment> {
    const deployment = await this.repository.findById(id);
    if (!deployment) throw DomainError.notFound('Deployment', id);
    return deployment;
  }

  list(filter: DeploymentFilter, page: PageArgs): Promise<Page<Deployment>> {
    return this.repository.page(filter, page);
  }

  placementsOf(deploymentId: string): Promise<Placement[]> {
    return this.repository.placements(deploymentId);
  }

  async create(actor: Actor, input: CreateDeploymentInput): Promise<Deployment> {
    const gpu: GpuRequirement = {
      gpuCount: input.gpuCount ?? 0,
      gpuModel: input.gpuModel ?? null,
      gpuMinMemoryMiB: input.gpuMinMemoryMiB ?? null,
    };
    const problems = gpuRequirementProblems(gpu);
    if (problems.length > 0) throw DomainError.badInput(problems);
    const [version, nodepool] = await Promise.all([this.versions.get(input.versionId), this.nodepools.get(input.nodepoolId)]);
    if (await this.repository.findByVersionAndNodepool(version.id, nodepool.id)) {
      throw DomainError.conflict(
        `Version ${version.version} is already deployed on nodepool ${nodepool.name}; change that deployment's replicas instead`,
      );
    }
    const created = await this.adminEvents.mutate(actor, 'deployment.create', 'Deployment', async (tx) => {
      const deployment = await this.repository.create(tx, {
        versionId: version.id,
        nodepoolId: nodepool.id,
        replicas: input.replicas ?? 1,
        ...gpu,
      });
      const details = { versionId: version.id, version: version.version, nodepool: nodepool.name, replicas: deployment.replicas, ...gpu };
      return { result: deployment, targetId: deployment.id, details };
    });
    this.events.changed(created.id);
    return created;
  }

  async update(actor: Actor, id: string, input: UpdateDeploymentInput): Promise<Deployment> {
    const existing = await this.get(id);
    const gpu: GpuRequirement = {
      gpuCount: input.gpuCount ?? existing.gpuCount,
      gpuModel: input.gpuModel === undefined ? existing.gpuModel : input.gpuModel,
      gpuMinMemoryMiB: input.gpuMinMemoryMiB === undefined ? existing.gpuMinMemoryMiB : input.gpuMinMemoryMiB,
    };
    const problems = gpuRequirementProblems(gpu);
    if (problems.length > 0) throw DomainError.badInput(problems);
    const changed = (['replicas', 'gpuCount', 'gpuModel', 'gpuMinMemoryMiB'] as const).filter((key) => input[key] !== undefined);
    const updated = await this.adminEvents.mutate(actor, 'deployment.update', 'Deployment', async (tx) => {
      const deployment = await this.repository.update(tx, id, { replicas: input.replicas ?? undefined, ...gpu });
      return { result: deployment, targetId: id, details: { changed, replicas: deployment.replicas, ...gpu } };
    });
    this.events.changed(id);
    return updated;
  }

  async delete(actor: Actor, id: string): Promise<Deployment> {
    const existing = await this.get(id);
    await this.adminEvents.mutate(actor, 'deployment.delete', 'Deployment', async (tx) => ({
      result: await this.repository.delete(tx, id),
      targetId: id,
      details: { versionId: existing.versionId, nodepoolId: existing.nodepoolId },
    }));
    this.events.changed(id);
    return existing;
  }
}

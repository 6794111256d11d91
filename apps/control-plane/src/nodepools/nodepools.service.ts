import { Injectable } from '@nestjs/common';
import type { Nodepool } from '@switchyard/db';
import { DomainError } from '@switchyard/protocol';
import type { Actor } from '../admin-events/actor.js';
import { AdminEventsService, changedFields } from '../admin-events/admin-events.service.js';
import { labelsFromJson, labelsToJson, type LabelPair } from '../graphql/labels.js';
import type { Page, PageArgs } from '../graphql/pagination.js';
import type { CreateNodepoolInput, UpdateNodepoolInput } from './nodepool.model.js';
import { NodepoolsRepository, type NodepoolFilter } from './nodepools.repository.js';

export type NodepoolView = Omit<Nodepool, 'labels'> & { labels: LabelPair[] };

function view(nodepool: Nodepool): NodepoolView {
  return { ...nodepool, labels: labelsFromJson(nodepool.labels) };
}

@Injectable()
export class NodepoolsService {
  constructor(
    private readonly repository: NodepoolsRepository,
    private readonly adminEvents: AdminEventsService,
  ) {}

  async get(id: string): Promise<NodepoolView> {
    const nodepool = await this.repository.findById(id);
    if (!nodepool) throw DomainError.notFound('Nodepool', id);
    return view(nodepool);
  }

  async getByName(name: string): Promise<NodepoolView> {
    const nodepool = await this.repository.findByName(name);
    if (!nodepool) throw DomainError.notFound('Nodepool', name);
    return view(nodepool);
  }

  async list(filter: NodepoolFilter, page: PageArgs): Promise<Page<NodepoolView>> {
    const result = await this.repository.page(filter, page);
    return { ...result, nodes: result.nodes.map(view) };
  }

  async create(actor: Actor, input: CreateNodepoolInput): Promise<NodepoolView> {
    const created = await this.adminEvents.mutate(actor, 'nodepool.create', 'Nodepool', async (tx) => {
      const nodepool = await this.repository.create(tx, {
        name: input.name,
        kind: input.kind,
        region: input.region,
        jurisdiction: input.jurisdiction,
        costPerCall: input.costPerCall ?? 0,
        labels: labelsToJson(input.labels) ?? {},
      });
      return { result: nodepool, targetId: nodepool.id, details: { name: nodepool.name, kind: nodepool.kind } };
    });
    return view(created);
  }

  async update(actor: Actor, id: string, input: UpdateNodepoolInput): Promise<NodepoolView> {
    await this.get(id);
    const updated = await this.adminEvents.mutate(actor, 'nodepool.update', 'Nodepool', async (tx) => {
      // GraphQL lets a client send null for an optional field; for required columns it means "unchanged".
      const nodepool = await this.repository.update(tx, id, {
        name: input.name ?? undefined,
        region: input.region ?? undefined,
        jurisdiction: input.jurisdiction ?? undefined,
        costPerCall: input.costPerCall ?? undefined,
        labels: labelsToJson(input.labels ?? undefined),
      });
      return { result: nodepool, targetId: id, details: { changed: changedFields(input) } };
    });
    return view(updated);
  }

  async delete(actor: Actor, id: string): Promise<NodepoolView> {
    const existing = await this.get(id);
    const { runners, deployments } = await this.repository.dependents(id);
    if (runners > 0 || deployments > 0) {
      throw DomainError.conflict(
        `Nodepool ${existing.name} still has ${runners} runner(s) and ${deployments} deployment(s); remove them first`,
        { runners, deployments },
      );
    }
    await this.adminEvents.mutate(actor, 'nodepool.delete', 'Nodepool', async (tx) => ({
      result: await this.repository.delete(tx, id),
      targetId: id,
      details: { name: existing.name },
    }));
    return existing;
  }
}

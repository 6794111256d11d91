import { Injectable } from '@nestjs/common';
import type { Runner } from '@switchyard/db';
import { DomainError } from '@switchyard/protocol';
import { labelsFromJson, type LabelPair } from '../graphql/labels.js';
import type { Page, PageArgs } from '../graphql/pagination.js';
import type { NodepoolView } from '../nodepools/nodepools.service.js';
import { gpusFromJson, type GpuView } from './gpus.js';
import { serversFromJson, type RunnerServerView } from './servers.js';
import { RunnersRepository, type RunnerFilter, type RunnerWithNodepool } from './runners.repository.js';

export type RunnerView = Omit<Runner, 'gpus' | 'labels' | 'servers'> & { nodepool: NodepoolView; gpus: GpuView[]; servers: RunnerServerView[]; labels: LabelPair[] };

function view(runner: RunnerWithNodepool): RunnerView {
  return {
    ...runner,
    nodepool: { ...runner.nodepool, labels: labelsFromJson(runner.nodepool.labels) },
    gpus: gpusFromJson(runner.gpus),
    servers: serversFromJson(runner.servers),
    labels: labelsFromJson(runner.labels),
  };
}

/** Read-only for now: runners are created by enrollment and changed by heartbeats. */
@Injectable()
export class RunnersService {
  constructor(private readonly repository: RunnersRepository) {}

  async get(id: string): Promise<RunnerView> {
    const runner = await this.repository.findById(id);
    if (!runner) throw DomainError.notFound('Runner', id);
    return view(runner);
  }

  async list(filter: RunnerFilter, page: PageArgs): Promise<Page<RunnerView>> {
    const result = await this.repository.page(filter, page);
    return { ...result, nodes: result.nodes.map(view) };
  }
}

import { Injectable } from '@nestjs/common';
import type { Prisma, RoutePolicy } from '@switchyard/db';
import { DomainError, type FieldProblem } from '@switchyard/protocol';
import type { Actor } from '../admin-events/actor.js';
import { AdminEventsService, changedFields } from '../admin-events/admin-events.service.js';
import type { Page, PageArgs } from '../graphql/pagination.js';
import { ServersService } from '../servers/servers.service.js';
import { PoliciesRepository, type RoutePolicyFilter } from './policies.repository.js';
import { failoverOrderProblems, routerParamsProblems } from './route-policy-rules.js';
import type { CreateRoutePolicyInput, UpdateRoutePolicyInput } from './route-policy.model.js';

export type RoutePolicyView = Omit<RoutePolicy, 'routerParams'> & { routerParams: Record<string, unknown> };

function view(policy: RoutePolicy): RoutePolicyView {
  const params = policy.routerParams;
  const routerParams = typeof params === 'object' && params !== null && !Array.isArray(params) ? params : {};
  return { ...policy, routerParams };
}

/** Input came through the JSONObject scalar, so it already is plain JSON. */
function asJson(params: Record<string, unknown>): Prisma.InputJsonObject {
  return params as Prisma.InputJsonObject;
}

const unique = <T>(values: readonly T[] | null | undefined): T[] | undefined => (values ? [...new Set(values)] : undefined);

@Injectable()
export class PoliciesService {
  constructor(
    private readonly repository: PoliciesRepository,
    private readonly servers: ServersService,
    private readonly adminEvents: AdminEventsService,
  ) {}

  async get(id: string): Promise<RoutePolicyView> {
    const policy = await this.repository.findById(id);
    if (!policy) throw DomainError.notFound('Route policy', id);
    return view(policy);
  }

  async forServer(serverId: string): Promise<RoutePolicyView | null> {
    const policy = await this.repository.findByServer(serverId);
    return policy ? view(policy) : null;
  }

  async list(filter: RoutePolicyFilter, page: PageArgs): Promise<Page<RoutePolicyView>> {
    const result = await this.repository.page(filter, page);
    return { ...result, nodes: result.nodes.map(view) };
  }

  async create(actor: Actor, input: CreateRoutePolicyInput): Promise<RoutePolicyView> {
    await this.assertValid(input.failoverOrder, input.routerParams);
    const server = await this.servers.get(input.serverId);
    const existing = await this.repository.findByServer(server.id);
    if (existing) {
      throw DomainError.conflict(`MCP server ${server.name} already has a route policy (${existing.id}); update that one instead`);
    }
    const created = await this.adminEvents.mutate(actor, 'routePolicy.create', 'RoutePolicy', async (tx) => {
      const policy = await this.repository.create(tx, {
        serverId: server.id,
        allowedJurisdictions: unique(input.allowedJurisdictions) ?? [],
        allowedRegions: unique(input.allowedRegions) ?? [],
        allowedKinds: unique(input.allowedKinds) ?? [],
        failoverOrder: input.failoverOrder ?? [],
        retryMaxAttempts: input.retryMaxAttempts ?? 0,
        retryBudgetRatio: input.retryBudgetRatio ?? 0.1,
        routerKind: input.routerKind ?? 'WEIGHTED',
        routerParams: asJson(input.routerParams ?? {}),
      });
      return { result: policy, targetId: policy.id, details: { server: server.name, routerKind: policy.routerKind } };
    });
    return view(created);
  }

  async update(actor: Actor, id: string, input: UpdateRoutePolicyInput): Promise<RoutePolicyView> {
    await this.get(id);
    await this.assertValid(input.failoverOrder, input.routerParams);
    const changed = changedFields(input);
    const updated = await this.adminEvents.mutate(actor, 'routePolicy.update', 'RoutePolicy', async (tx) => {
      const policy = await this.repository.update(tx, id, {
        allowedJurisdictions: unique(input.allowedJurisdictions),
        allowedRegions: unique(input.allowedRegions),
        allowedKinds: unique(input.allowedKinds),
        failoverOrder: input.failoverOrder ?? undefined,
        retryMaxAttempts: input.retryMaxAttempts ?? undefined,
        retryBudgetRatio: input.retryBudgetRatio ?? undefined,
        routerKind: input.routerKind ?? undefined,
        routerParams: input.routerParams ? asJson(input.routerParams) : undefined,
      });
      return { result: policy, targetId: id, details: { changed } };
    });
    return view(updated);
  }

  async delete(actor: Actor, id: string): Promise<RoutePolicyView> {
    const existing = await this.get(id);
    await this.adminEvents.mutate(actor, 'routePolicy.delete', 'RoutePolicy', async (tx) => ({
      result: await this.repository.delete(tx, id),
      targetId: id,
      details: { serverId: existing.serverId },
    }));
    return existing;
  }

  private async assertValid(
    failoverOrder: readonly string[] | null | undefined,
    routerParams: Record<string, unknown> | null | undefined,
  ): Promise<void> {
    const problems: FieldProblem[] = [];
    if (failoverOrder) {
      problems.push(...failoverOrderProblems(failoverOrder, await this.repository.existingNodepoolNames(failoverOrder)));
    }
    if (routerParams) problems.push(...routerParamsProblems(routerParams));
    if (problems.length > 0) throw DomainError.badInput(problems);
  }
}

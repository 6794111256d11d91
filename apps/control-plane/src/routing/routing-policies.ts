import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logging.module.js';
import { RoutingRepository } from './routing.repository.js';
import { serverRoutingPolicy, type ServerRoutingPolicy } from './server-routing-policy.js';

/** How long a server's policy is reused; a policy change reaches every replica within this. */
export const POLICY_CACHE_MS = 1_000;

/** Servers' routing policies by name, cached briefly (asked on every routed session and recorded outcome). */
@Injectable()
export class RoutingPolicies {
  private readonly cache = new Map<string, { expiresAt: number; value: Promise<ServerRoutingPolicy> }>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly repository: RoutingRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Throws NOT_FOUND for an unknown server. */
  forServer(serverName: string, now = Date.now()): Promise<ServerRoutingPolicy> {
    const cached = this.cache.get(serverName);
    if (cached && cached.expiresAt > now) return cached.value;
    const value = this.load(serverName);
    this.cache.set(serverName, { expiresAt: now + POLICY_CACHE_MS, value });
    value.catch(() => this.cache.delete(serverName));
    return value;
  }

  private async load(serverName: string): Promise<ServerRoutingPolicy> {
    const row = await this.repository.serverPolicy(serverName);
    if (!row) throw DomainError.notFound('MCP server', serverName);
    const policy = serverRoutingPolicy(row);
    if (policy.paramsProblem !== null && !this.warned.has(policy.policy.id)) {
      // Once per policy and process: the row stays bad until an operator saves it again.
      this.warned.add(policy.policy.id);
      this.logger.warn({ serverName, policyId: policy.policy.id, problem: policy.paramsProblem }, 'stored routerParams are invalid; routing with the defaults');
    }
    return policy;
  }
}

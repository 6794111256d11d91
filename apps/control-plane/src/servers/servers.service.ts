import { Injectable } from '@nestjs/common';
import type { McpServer } from '@switchyard/db';
import { DomainError } from '@switchyard/protocol';
import type { Actor } from '../admin-events/actor.js';
import { AdminEventsService, changedFields } from '../admin-events/admin-events.service.js';
import type { Page, PageArgs } from '../graphql/pagination.js';
import type { CreateMcpServerInput, UpdateMcpServerInput } from './server.model.js';
import { ServersRepository, type McpServerFilter } from './servers.repository.js';

@Injectable()
export class ServersService {
  constructor(
    private readonly repository: ServersRepository,
    private readonly adminEvents: AdminEventsService,
  ) {}

  async get(id: string): Promise<McpServer> {
    const server = await this.repository.findServerById(id);
    if (!server) throw DomainError.notFound('MCP server', id);
    return server;
  }

  async getByName(name: string): Promise<McpServer> {
    const server = await this.repository.findServerByName(name);
    if (!server) throw DomainError.notFound('MCP server', name);
    return server;
  }

  list(filter: McpServerFilter, page: PageArgs): Promise<Page<McpServer>> {
    return this.repository.pageServers(filter, page);
  }

  create(actor: Actor, input: CreateMcpServerInput): Promise<McpServer> {
    return this.adminEvents.mutate(actor, 'mcpServer.create', 'McpServer', async (tx) => {
      const server = await this.repository.createServer(tx, { name: input.name, description: input.description ?? '' });
      return { result: server, targetId: server.id, details: { name: server.name } };
    });
  }

  async update(actor: Actor, id: string, input: UpdateMcpServerInput): Promise<McpServer> {
    await this.get(id);
    return this.adminEvents.mutate(actor, 'mcpServer.update', 'McpServer', async (tx) => ({
      result: await this.repository.updateServer(tx, id, { description: input.description ?? undefined }),
      targetId: id,
      details: { changed: changedFields(input) },
    }));
  }

  /** Refused while versions exist; the route policy goes with the server (it means nothing without it). */
  async delete(actor: Actor, id: string): Promise<McpServer> {
    const existing = await this.get(id);
    const versions = await this.repository.countVersions({ serverId: id });
    if (versions > 0) {
      throw DomainError.conflict(`MCP server ${existing.name} still has ${versions} version(s); delete them first`, { versions });
    }
    await this.adminEvents.mutate(actor, 'mcpServer.delete', 'McpServer', async (tx) => ({
      result: await this.repository.deleteServer(tx, id),
      targetId: id,
      details: { name: existing.name },
    }));
    return existing;
  }
}

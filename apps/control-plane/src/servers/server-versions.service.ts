import { Injectable } from '@nestjs/common';
import type { McpServer, McpServerVersion } from '@switchyard/db';
import { DomainError, type FieldProblem } from '@switchyard/protocol';
import type { Actor } from '../admin-events/actor.js';
import { AdminEventsService } from '../admin-events/admin-events.service.js';
import type { Page, PageArgs } from '../graphql/pagination.js';
import {
  envFromJson,
  envToJson,
  launchSpecChanges,
  launchSpecProblems,
  secretEnvFromJson,
  secretEnvToJson,
  type EnvVarPair,
  type LaunchSpec,
  type SecretEnvPair,
} from './launch-spec.js';
import type { CreateMcpServerVersionInput, UpdateMcpServerVersionInput } from './server-version.model.js';
import { ServersRepository, type McpServerVersionFilter } from './servers.repository.js';
import { ServersService } from './servers.service.js';

export type McpServerVersionView = Omit<McpServerVersion, 'env' | 'secretEnv'> & {
  env: EnvVarPair[];
  secretEnv: SecretEnvPair[];
};

/** How many versions `McpServer.versions` shows; older ones are listed through mcpServerVersions. */
export const VERSIONS_PER_SERVER = 100;

function view(version: McpServerVersion): McpServerVersionView {
  return { ...version, env: envFromJson(version.env), secretEnv: secretEnvFromJson(version.secretEnv) };
}

function specOf(version: McpServerVersionView): LaunchSpec {
  const { transport, command, args, env, secretEnv, url } = version;
  return { transport, command, args, env, secretEnv, url };
}

function serverReferenceProblems(input: CreateMcpServerVersionInput): FieldProblem[] {
  const hasId = input.serverId != null;
  if (hasId !== (input.serverName != null)) return [];
  const message = hasId ? 'give serverId or serverName, not both' : 'give exactly one of serverId and serverName';
  return [
    { path: 'serverId', message },
    { path: 'serverName', message },
  ];
}

@Injectable()
export class ServerVersionsService {
  constructor(
    private readonly repository: ServersRepository,
    private readonly servers: ServersService,
    private readonly adminEvents: AdminEventsService,
  ) {}

  async get(id: string): Promise<McpServerVersionView> {
    const version = await this.repository.findVersionById(id);
    if (!version) throw DomainError.notFound('MCP server version', id);
    return view(version);
  }

  async list(filter: McpServerVersionFilter, page: PageArgs): Promise<Page<McpServerVersionView>> {
    const result = await this.repository.pageVersions(filter, page);
    return { ...result, nodes: result.nodes.map(view) };
  }

  async newestOf(serverId: string): Promise<McpServerVersionView[]> {
    return (await this.repository.newestVersions(serverId, VERSIONS_PER_SERVER)).map(view);
  }

  async create(actor: Actor, input: CreateMcpServerVersionInput): Promise<McpServerVersionView> {
    const spec: LaunchSpec = {
      transport: input.transport,
      command: input.command ?? null,
      args: input.args ?? [],
      env: input.env ?? [],
      secretEnv: input.secretEnv ?? [],
      url: input.url ?? null,
    };
    const problems = [...serverReferenceProblems(input), ...launchSpecProblems(spec), ...(await this.missingSecrets(spec.secretEnv))];
    if (problems.length > 0) throw DomainError.badInput(problems);

    const server = await this.referencedServer(input);
    if (await this.repository.findVersion(server.id, input.version)) {
      throw DomainError.conflict(`MCP server ${server.name} already has a version ${input.version}`);
    }
    const created = await this.adminEvents.mutate(actor, 'mcpServerVersion.create', 'McpServerVersion', async (tx) => {
      const version = await this.repository.createVersion(tx, {
        serverId: server.id,
        version: input.version,
        transport: spec.transport,
        command: spec.command,
        args: spec.args,
        env: envToJson(spec.env),
        secretEnv: secretEnvToJson(spec.secretEnv),
        url: spec.url,
        artifactIntegrity: input.artifactIntegrity ?? null,
        stateless: input.stateless ?? false,
      });
      // Variable names and secret names only: plain env values may still be sensitive.
      const details = {
        server: server.name,
        version: version.version,
        transport: version.transport,
        stateless: version.stateless,
        envNames: spec.env.map((v) => v.name),
        secretEnv: secretEnvToJson(spec.secretEnv),
      };
      return { result: version, targetId: version.id, details };
    });
    return view(created);
  }

  /**
   * stateless and artifactIntegrity may always change. The launch spec may change only while
   * nothing runs the version: a deployed version's replicas and rollout statistics all describe
   * one launch spec, so a different one must be a new version.
   */
  async update(actor: Actor, id: string, input: UpdateMcpServerVersionInput): Promise<McpServerVersionView> {
    const existing = await this.get(id);
    const current = specOf(existing);
    const next: LaunchSpec = {
      transport: input.transport ?? current.transport,
      command: input.command === undefined ? current.command : input.command,
      args: input.args === undefined ? current.args : (input.args ?? []),
      env: input.env === undefined ? current.env : (input.env ?? []),
      secretEnv: input.secretEnv === undefined ? current.secretEnv : (input.secretEnv ?? []),
      url: input.url === undefined ? current.url : input.url,
    };
    const specChanges = launchSpecChanges(current, next);
    if (specChanges.length > 0) {
      const { deployments } = await this.repository.versionDependents(id);
      if (deployments > 0) {
        throw DomainError.conflict(
          `Version ${existing.version} is deployed on ${deployments} nodepool(s), so its launch spec (${specChanges.join(', ')}) cannot change; create a new version instead`,
          { deployments },
        );
      }
      const problems = [...launchSpecProblems(next), ...(await this.missingSecrets(next.secretEnv))];
      if (problems.length > 0) throw DomainError.badInput(problems);
    }
    const flagChanges = (['stateless', 'artifactIntegrity'] as const).filter((key) => input[key] !== undefined);
    const updated = await this.adminEvents.mutate(actor, 'mcpServerVersion.update', 'McpServerVersion', async (tx) => {
      const version = await this.repository.updateVersion(tx, id, {
        stateless: input.stateless ?? undefined,
        artifactIntegrity: input.artifactIntegrity,
        ...(specChanges.length > 0
          ? {
              transport: next.transport,
              command: next.command,
              args: next.args,
              env: envToJson(next.env),
              secretEnv: secretEnvToJson(next.secretEnv),
              url: next.url,
              // A different launch may serve different tools: forget the hash until they are seen again.
              toolsHash: null,
            }
          : {}),
      });
      return { result: version, targetId: id, details: { version: version.version, changed: [...flagChanges, ...specChanges] } };
    });
    return view(updated);
  }

  async delete(actor: Actor, id: string): Promise<McpServerVersionView> {
    const existing = await this.get(id);
    const { deployments, rollouts } = await this.repository.versionDependents(id);
    if (deployments > 0 || rollouts > 0) {
      throw DomainError.conflict(
        `Version ${existing.version} is still used by ${deployments} deployment(s) and ${rollouts} rollout(s); remove them first`,
        { deployments, rollouts },
      );
    }
    await this.adminEvents.mutate(actor, 'mcpServerVersion.delete', 'McpServerVersion', async (tx) => ({
      result: await this.repository.deleteVersion(tx, id),
      targetId: id,
      details: { serverId: existing.serverId, version: existing.version },
    }));
    return existing;
  }

  private referencedServer(input: CreateMcpServerVersionInput): Promise<McpServer> {
    return input.serverId != null ? this.servers.get(input.serverId) : this.servers.getByName(input.serverName ?? '');
  }

  /** One problem per secretEnv entry whose Secret does not exist, at the entry's own path. */
  private async missingSecrets(secretEnv: readonly SecretEnvPair[]): Promise<FieldProblem[]> {
    const existing = await this.repository.existingSecretNames([...new Set(secretEnv.map((v) => v.secret))]);
    return secretEnv.flatMap(({ secret }, index) =>
      existing.has(secret) ? [] : [{ path: `secretEnv.${index}.secret`, message: `no Secret named "${secret}" exists` }],
    );
  }
}

import { Injectable } from '@nestjs/common';
import { isUniqueViolation, violatedConstraint, type McpServer, type Rollout, type RolloutEvent } from '@switchyard/db';
import { DomainError, type FieldProblem } from '@switchyard/protocol';
import { RolloutCommandRefused, RolloutConfigError, startRollout, transition, type RolloutCommandName } from '@switchyard/rollout';
import type { Actor } from '../admin-events/actor.js';
import { AdminEventsService } from '../admin-events/admin-events.service.js';
import type { Page, PageArgs } from '../graphql/pagination.js';
import { ServerVersionsService, type McpServerVersionView } from '../servers/server-versions.service.js';
import { ServersService } from '../servers/servers.service.js';
import { normalizeShadowTools } from '../shadow/shadow-tools.js';
import { eventRow, sharesOf, stateColumns, stateOf } from './rollout-row.js';
import type { StartRolloutInput } from './rollout.model.js';
import { RolloutWeights } from './rollout-weights.js';
import { RolloutsRepository, type RolloutEventFilter, type RolloutFilter } from './rollouts.repository.js';

export const ONE_ACTIVE_PER_SERVER_INDEX = 'Rollout_one_active_per_server';

/** A RolloutEvent as GraphQL shows it: weights as a list, champion first. */
export type RolloutEventView = Omit<RolloutEvent, 'weights' | 'metrics'> & {
  weights: Array<{ versionId: string; share: number }> | null;
  metrics: Record<string, unknown> | null;
};

@Injectable()
export class RolloutsService {
  constructor(
    private readonly repository: RolloutsRepository,
    private readonly servers: ServersService,
    private readonly versions: ServerVersionsService,
    private readonly adminEvents: AdminEventsService,
    private readonly weights: RolloutWeights,
  ) {}

  async get(id: string): Promise<Rollout> {
    const rollout = await this.repository.findById(id);
    if (!rollout) throw DomainError.notFound('Rollout', id);
    return rollout;
  }

  list(filter: RolloutFilter, page: PageArgs): Promise<Page<Rollout>> {
    return this.repository.page(filter, page);
  }

  async eventsOf(rollout: Rollout, page: PageArgs): Promise<Page<RolloutEventView>> {
    const events = await this.repository.eventsPage({ rolloutId: rollout.id }, page);
    return { ...events, nodes: events.nodes.map((event) => eventView(event, rollout)) };
  }

  async events(filter: RolloutEventFilter, page: PageArgs): Promise<Page<RolloutEventView>> {
    const events = await this.repository.eventsPage(filter, page);
    const rollouts = new Map<string, Rollout>();
    for (const rolloutId of new Set(events.nodes.map((event) => event.rolloutId))) {
      rollouts.set(rolloutId, await this.get(rolloutId));
    }
    return { ...events, nodes: events.nodes.map((event) => eventView(event, rollouts.get(event.rolloutId)!)) };
  }

  sharesOf(rollout: Rollout) {
    return sharesOf(rollout.weights, rollout);
  }

  async start(actor: Actor, input: StartRolloutInput): Promise<Rollout> {
    const server = await this.serverOf(input);
    const challenger = await this.versionOf(server, input.challengerVersionId, 'challengerVersionId');
    const champion = input.championVersionId
      ? await this.versionOf(server, input.championVersionId, 'championVersionId')
      : await this.currentChampion(server, challenger);
    if (champion.id === challenger.id) {
      throw DomainError.badInput([{ path: 'challengerVersionId', message: `is the champion (${champion.version}); a rollout needs two versions` }]);
    }
    const active = await this.repository.findActiveForServer(server.id);
    if (active) throw activeRolloutConflict(server, active.id);
    const shadowTools = normalizeShadowTools(input.shadowTools ?? []);
    if (shadowTools.problems.length > 0) throw DomainError.badInput(shadowTools.problems);

    const now = Date.now();
    const started = startRolloutOrBadInput(input.config, { champion: champion.toolsHash ?? '', challenger: challenger.toolsHash ?? '' }, actor.keyId, now);
    const versions = { championVersionId: champion.id, challengerVersionId: challenger.id };
    try {
      const rollout = await this.adminEvents.mutate(actor, 'rollout.start', 'Rollout', async (tx) => {
        const created = await this.repository.create(tx, {
          serverId: server.id,
          ...versions,
          ...stateColumns(started.state, versions),
          gateConfig: started.state.config,
          toolsHashChampion: started.state.toolsHash.champion,
          toolsHashChallenger: started.state.toolsHash.challenger,
          startedAt: new Date(started.state.startedAt),
          shadowTools: shadowTools.tools,
        });
        await this.repository.appendEvents(tx, started.events.map((event) => eventRow(created.id, event, versions)));
        const details = { server: server.name, champion: champion.version, challenger: challenger.version, phase: created.phase, shadowTools: shadowTools.tools };
        return { result: created, targetId: created.id, details };
      });
      this.weights.invalidate(server.id);
      return rollout;
    } catch (error) {
      // Two starts at once: the check above passed for both, the partial unique index lets one in.
      if (isUniqueViolation(error) && violatedConstraint(error) === ONE_ACTIVE_PER_SERVER_INDEX) {
        const winner = await this.repository.findActiveForServer(server.id);
        throw activeRolloutConflict(server, winner?.id ?? 'another rollout');
      }
      throw error;
    }
  }

  /**
   * An operator command, through the pure state machine, under the row lock: the new state and
   * every event it emitted commit together with the AdminEvent, or nothing does.
   */
  async command(actor: Actor, id: string, command: RolloutCommandName, reason?: string): Promise<Rollout> {
    const updated = await this.adminEvents.mutate(actor, `rollout.${command}`, 'Rollout', async (tx) => {
      const row = await this.repository.lock(tx, id);
      if (!row) throw DomainError.notFound('Rollout', id);
      const from = row.phase;
      let result;
      try {
        result = transition(stateOf(row), { type: 'command', command, actorKeyId: actor.keyId, reason }, Date.now());
      } catch (error) {
        if (error instanceof RolloutCommandRefused) throw DomainError.conflict(error.message, { refusal: error.code, phase: error.phase });
        throw error;
      }
      const saved = await this.repository.update(tx, id, stateColumns(result.state, row));
      await this.repository.appendEvents(tx, result.events.map((event) => eventRow(id, event, row)));
      return { result: saved, targetId: id, details: { command, from, to: saved.phase, ...(reason ? { reason } : {}) } };
    });
    this.weights.invalidate(updated.serverId);
    return updated;
  }

  private async serverOf(input: StartRolloutInput): Promise<McpServer> {
    if ((input.serverId === undefined) === (input.serverName === undefined)) {
      throw DomainError.badInput([{ path: 'serverId', message: 'give exactly one of serverId and serverName' }]);
    }
    return input.serverId ? this.servers.get(input.serverId) : this.servers.getByName(input.serverName!);
  }

  private async versionOf(server: McpServer, versionId: string, path: string): Promise<McpServerVersionView> {
    const version = await this.versions.get(versionId);
    if (version.serverId !== server.id) throw DomainError.badInput([{ path, message: `is a version of another server, not of ${server.name}` }]);
    return version;
  }

  /**
   * The version serving the server's traffic now, as the router picks it: what its last finished
   * rollout left serving (PROMOTED: the challenger; ROLLED_BACK, ABORTED: the champion), or, if it
   * never had one, its newest deployed version (other than the challenger).
   */
  private async currentChampion(server: McpServer, challenger: McpServerVersionView): Promise<McpServerVersionView> {
    const id =
      (await this.repository.lastServingVersionId(server.id)) ?? (await this.repository.newestDeployedVersionId(server.id, challenger.id));
    if (!id) {
      throw DomainError.badInput([
        { path: 'championVersionId', message: `${server.name} has no finished rollout and no deployed version other than the challenger; name the champion` },
      ]);
    }
    return this.versions.get(id);
  }
}

function startRolloutOrBadInput(config: unknown, toolsHash: { champion: string; challenger: string }, actorKeyId: string | null, now: number) {
  try {
    return startRollout({ config: config ?? {}, toolsHash, actorKeyId }, now);
  } catch (error) {
    if (!(error instanceof RolloutConfigError)) throw error;
    // "canary.steps.1: must be greater…" → { path: "config.canary.steps.1", message: "must be greater…" }
    const fields: FieldProblem[] = error.problems.map((problem) => {
      const at = problem.indexOf(': ');
      const path = problem.slice(0, at);
      return { path: path === '(root)' ? 'config' : `config.${path}`, message: problem.slice(at + 2) };
    });
    throw DomainError.badInput(fields);
  }
}

function activeRolloutConflict(server: McpServer, activeId: string): DomainError {
  return DomainError.conflict(
    `${server.name} already has an active rollout (${activeId}); finish it (promote, roll back or abort) before starting another`,
    { activeRolloutId: activeId },
  );
}

function eventView(event: RolloutEvent, rollout: Rollout): RolloutEventView {
  return {
    ...event,
    weights: event.weights === null ? null : sharesOf(event.weights, rollout),
    metrics: (event.metrics ?? null) as Record<string, unknown> | null,
  };
}

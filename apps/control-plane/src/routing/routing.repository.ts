import { Inject, Injectable } from '@nestjs/common';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_SILENCE_INTERVALS } from '@switchyard/protocol';
import type { NodepoolKind, PrismaClient, RouterKind, TransportKind } from '@switchyard/db';
import { PRISMA } from '../database/database.module.js';

export interface ServerPolicyRow {
  serverId: string;
  serverName: string;
  policy: {
    id: string;
    allowedJurisdictions: string[];
    allowedRegions: string[];
    allowedKinds: NodepoolKind[];
    failoverOrder: string[];
    routerKind: RouterKind;
    routerParams: unknown;
    /** Absent in rows built by hand (tests): no retries, the default budget. */
    retryMaxAttempts?: number;
    retryBudgetRatio?: number;
  } | null;
}

export interface PlacementRow {
  runnerId: string;
  runnerNodepoolId: string;
  runnerInFlight: number;
  /** Runner.servers: the supervisor's state of each placed server at the last heartbeat. */
  runnerServers: unknown;
  deploymentId: string;
  versionId: string;
}

export interface VersionRow {
  id: string;
  stateless: boolean;
  toolsHash: string | null;
  transport: TransportKind;
}

export interface NodepoolRow {
  id: string;
  name: string;
  kind: NodepoolKind;
  region: string;
  jurisdiction: string;
  costPerCall: number;
}

export interface SnapshotRows {
  nodepools: NodepoolRow[];
  placements: PlacementRow[];
  /** Newest first (ids are UUIDv7, ordered by creation). */
  versions: VersionRow[];
  /** The version the server's last finished rollout left serving (PROMOTED: challenger; else champion). */
  championVersionId: string | null;
}

export interface ProbeTargetRow {
  runnerId: string;
  serverId: string;
  deploymentId: string;
  versionId: string;
  transport: TransportKind;
  /** Operator-declared stateless: the runner shares one upstream among sessions (a probe takes nobody's place). */
  stateless: boolean;
}

/** A heartbeat this recent makes an UNHEALTHY runner usable for its servers that still run. */
const FRESH_MS = HEARTBEAT_INTERVAL_MS * HEARTBEAT_SILENCE_INTERVALS;

/** What routing reads from Postgres. */
@Injectable()
export class RoutingRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async serverPolicy(serverName: string): Promise<ServerPolicyRow | null> {
    const server = await this.prisma.mcpServer.findUnique({ where: { name: serverName }, select: { id: true, name: true, routePolicy: true } });
    if (!server) return null;
    return { serverId: server.id, serverName: server.name, policy: server.routePolicy };
  }

  async snapshotRows(serverId: string, now: Date): Promise<SnapshotRows> {
    const [nodepools, placements, versions, lastRollout] = await Promise.all([
      this.prisma.nodepool.findMany({ select: { id: true, name: true, kind: true, region: true, jurisdiction: true, costPerCall: true }, orderBy: { id: 'asc' } }),
      this.prisma.placement.findMany({
        where: {
          deployment: { version: { serverId } },
          runner: {
            fencedAt: null,
            revokedAt: null,
            OR: [{ status: 'HEALTHY' }, { status: 'UNHEALTHY', lastSeenAt: { gte: new Date(now.getTime() - FRESH_MS) } }],
          },
        },
        select: { runnerId: true, deploymentId: true, runner: { select: { nodepoolId: true, inFlight: true, servers: true } }, deployment: { select: { versionId: true } } },
        orderBy: { id: 'asc' },
      }),
      this.prisma.mcpServerVersion.findMany({ where: { serverId }, select: { id: true, stateless: true, toolsHash: true, transport: true }, orderBy: { id: 'desc' } }),
      this.prisma.rollout.findFirst({
        where: { serverId, finishedAt: { not: null } },
        orderBy: [{ finishedAt: 'desc' }, { id: 'desc' }],
        select: { phase: true, championVersionId: true, challengerVersionId: true },
      }),
    ]);
    return {
      nodepools,
      placements: placements.map((p) => ({
        runnerId: p.runnerId,
        runnerNodepoolId: p.runner.nodepoolId,
        runnerInFlight: p.runner.inFlight,
        runnerServers: p.runner.servers,
        deploymentId: p.deploymentId,
        versionId: p.deployment.versionId,
      })),
      versions,
      championVersionId: lastRollout ? (lastRollout.phase === 'PROMOTED' ? lastRollout.challengerVersionId : lastRollout.championVersionId) : null,
    };
  }

  /** Every placement on a HEALTHY runner (neither fenced nor revoked): what the active prober reaches. */
  async probeTargets(): Promise<ProbeTargetRow[]> {
    const rows = await this.prisma.placement.findMany({
      where: { runner: { status: 'HEALTHY', fencedAt: null, revokedAt: null } },
      select: { runnerId: true, deploymentId: true, deployment: { select: { versionId: true, version: { select: { serverId: true, transport: true, stateless: true } } } } },
      orderBy: { id: 'asc' },
    });
    return rows.map((row) => ({
      runnerId: row.runnerId,
      serverId: row.deployment.version.serverId,
      deploymentId: row.deploymentId,
      versionId: row.deployment.versionId,
      transport: row.deployment.version.transport,
      stateless: row.deployment.version.stateless,
    }));
  }
}

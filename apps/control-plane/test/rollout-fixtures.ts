// Fixtures for the rollout e2e specs: a server with a deployed champion and a challenger, and
// synthetic audited tool calls (ToolInvocation rows) of either version.
import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient, ToolCallOutcome } from '@switchyard/db';

export interface RolloutServer {
  serverId: string;
  serverName: string;
  championVersionId: string;
  challengerVersionId: string;
  nodepoolId: string;
}

let servers = 0;

/** A server with version 1.0.0 deployed on a nodepool (the champion) and 1.1.0 not yet deployed. */
export async function rolloutServer(prisma: PrismaClient, namePrefix = 'ro'): Promise<RolloutServer> {
  servers += 1;
  const serverName = `${namePrefix}-${servers}-${randomUUID().slice(0, 6)}`;
  const nodepool = await prisma.nodepool.create({ data: { name: `pool-${serverName}`, kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' } });
  const server = await prisma.mcpServer.create({ data: { name: serverName } });
  const version = (v: string, toolsHash: string) =>
    prisma.mcpServerVersion.create({ data: { serverId: server.id, version: v, transport: 'STDIO', command: 'node', toolsHash } });
  const champion = await version('1.0.0', 'tools-a');
  const challenger = await version('1.1.0', 'tools-a');
  await prisma.deployment.create({ data: { versionId: champion.id, nodepoolId: nodepool.id } });
  return { serverId: server.id, serverName, championVersionId: champion.id, challengerVersionId: challenger.id, nodepoolId: nodepool.id };
}

export interface CallsSpec {
  serverName: string;
  versionId: string;
  nodepoolId: string | null;
  count: number;
  /** When the calls started (all at once is fine: windows compare startedAt). */
  at: Date;
  outcome?: ToolCallOutcome;
  errorCode?: string | null;
  latencyMs?: number | ((i: number) => number);
  shadow?: boolean;
  propensity?: number | null;
}

/** Inserts `count` audited calls; returns their ids. */
export async function insertCalls(prisma: PrismaClient, spec: CallsSpec): Promise<string[]> {
  const rows: Prisma.ToolInvocationCreateManyInput[] = Array.from({ length: spec.count }, (_, i) => {
    const latency = typeof spec.latencyMs === 'function' ? spec.latencyMs(i) : (spec.latencyMs ?? 100);
    const outcome = spec.outcome ?? 'OK';
    return {
      callId: randomUUID(),
      serverName: spec.serverName,
      versionId: spec.versionId,
      nodepoolId: spec.nodepoolId,
      tool: 'echo',
      outcome,
      errorCode: spec.errorCode ?? null,
      shadow: spec.shadow ?? false,
      propensity: spec.propensity ?? null,
      startedAt: spec.at,
      finishedAt: outcome === 'PENDING' ? null : new Date(spec.at.getTime() + latency),
      latencyMs: outcome === 'PENDING' ? null : latency,
    };
  });
  await prisma.toolInvocation.createMany({ data: rows });
  return rows.map((row) => row.callId);
}

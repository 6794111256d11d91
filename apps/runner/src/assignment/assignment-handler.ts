import type { AssignmentMessage, ControlMessage, Placement as WirePlacement, SecretsMessage } from '@switchyard/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../supervisor/clock.js';
import { placementKey, type Placement } from '../supervisor/placement.js';
import { missingSecrets, toSupervisorPlacement } from './to-supervisor-placement.js';

/** The part of ServerSupervisor this handler drives (a fake in unit tests). */
export interface AssignmentSupervisor {
  apply(desired: readonly Placement[]): Promise<void>;
}

export interface AssignmentHandlerDeps {
  supervisor: AssignmentSupervisor;
  logger: Logger;
  clock: Clock;
  /** How long a placement waits for its version's secrets before it is handed over without them. */
  secretsTimeoutMs?: number;
}

export interface AssignmentHandler {
  /**
   * Takes any decoded control message; `assignment` and `secrets` are handled, the others are
   * ignored (the agent dispatches them elsewhere). Resolves once the supervisor calls it caused have
   * settled; never rejects (a failed apply is logged).
   */
  handleControl(message: ControlMessage): Promise<void>;
}

export const DEFAULT_SECRETS_TIMEOUT_MS = 30_000;

const done = Promise.resolve();

/** Secret variables the placement declares but was handed without. */
function unfilled(placement: Placement): string[] {
  return placement.launch.secretEnv.filter((name) => !Object.hasOwn(placement.secretValues, name));
}

function sameServers(a: readonly Placement[], b: readonly Placement[]): boolean {
  const keys = (list: readonly Placement[]) => list.map(placementKey).sort().join('\n');
  return keys(a) === keys(b);
}

/**
 * Turns assignment and secrets messages into `supervisor.apply` calls.
 *
 * - Only the newest assignment counts (`seq`); an older or repeated one is ignored, so a message
 *   delayed in transit cannot roll the runner back.
 * - A placement whose version declares secretEnv starts only once that version's values arrived.
 *   Meanwhile the deployment keeps what it runs now (an upgrade does not stop the old version early)
 *   and the rest of the assignment goes ahead. After `secretsTimeoutMs` it is handed to the
 *   supervisor without them, which refuses it: FAILED, "secret value not delivered for …". If the
 *   values arrive after all, that placement is restarted (the supervisor leaves an unchanged FAILED
 *   placement alone, so it is removed and added again).
 * - Secret values live in this object and in the supervisor's placements only: never on disk,
 *   never in a log line (logs name versions and variables). Values of versions that are no longer
 *   assigned are dropped.
 */
class AssignmentReconciler implements AssignmentHandler {
  private latest: AssignmentMessage | undefined;
  private readonly secrets = new Map<string, Record<string, string>>();
  /** Versions waiting for secrets → cancel of their timeout. */
  private readonly waits = new Map<string, () => void>();
  /** Versions whose wait ran out: handed over without their secrets. */
  private readonly timedOut = new Set<string>();
  private applied: Placement[] | undefined;
  private readonly log: Logger;
  private readonly timeoutMs: number;

  constructor(private readonly deps: AssignmentHandlerDeps) {
    this.log = deps.logger.child({ component: 'assignment' });
    this.timeoutMs = deps.secretsTimeoutMs ?? DEFAULT_SECRETS_TIMEOUT_MS;
  }

  handleControl(message: ControlMessage): Promise<void> {
    if (message.type === 'assignment') return this.onAssignment(message);
    if (message.type === 'secrets') return this.onSecrets(message);
    return done;
  }

  private onAssignment(message: AssignmentMessage): Promise<void> {
    if (this.latest !== undefined && message.seq <= this.latest.seq) {
      this.log.info({ seq: message.seq, latestSeq: this.latest.seq }, 'ignoring an assignment that is not newer than the one held');
      return done;
    }
    this.latest = message;
    this.log.info(
      { seq: message.seq, placements: message.placements.map(({ deploymentId, versionId, serverName }) => ({ deploymentId, versionId, serverName })) },
      'assignment received',
    );
    this.forgetUnassigned(message);
    return this.reconcile();
  }

  private onSecrets(message: SecretsMessage): Promise<void> {
    this.secrets.set(message.versionId, { ...message.values });
    this.timedOut.delete(message.versionId);
    // Variable names only: the values never reach a log line.
    this.log.info({ versionId: message.versionId, variables: Object.keys(message.values) }, 'secrets received');
    return this.reconcile();
  }

  private reconcile(): Promise<void> {
    const assignment = this.latest;
    if (assignment === undefined) return done;
    const ready: Placement[] = [];
    const waiting: WirePlacement[] = [];
    for (const placement of assignment.placements) {
      const values = this.secrets.get(placement.versionId);
      if (missingSecrets(placement, values).length === 0 || this.timedOut.has(placement.versionId)) {
        ready.push(toSupervisorPlacement(placement, values));
      } else {
        waiting.push(placement);
      }
    }
    this.updateWaits(waiting);
    // While a new version waits for its secrets, its deployment keeps running what it runs now.
    const kept = waiting.flatMap((placement) => this.applied?.filter((current) => current.deploymentId === placement.deploymentId) ?? []);
    const next = [...ready, ...kept];

    const refusedBefore = new Set((this.applied ?? []).filter((p) => unfilled(p).length > 0).map(placementKey));
    const recovered = next.filter((p) => refusedBefore.has(placementKey(p)) && unfilled(p).length === 0);
    if (recovered.length === 0 && this.applied !== undefined && sameServers(this.applied, next)) return done;

    const calls: Array<Promise<void>> = [];
    if (recovered.length > 0) {
      this.log.info({ deploymentIds: recovered.map((p) => p.deploymentId) }, 'secrets arrived late: restarting the placements refused without them');
      calls.push(this.apply(next.filter((p) => !recovered.includes(p))));
    }
    calls.push(this.apply(next));
    this.applied = next;
    return Promise.all(calls).then(() => undefined);
  }

  private apply(desired: Placement[]): Promise<void> {
    return this.deps.supervisor.apply(desired).catch((error: unknown) => {
      this.log.error({ err: error instanceof Error ? error.message : String(error) }, 'the supervisor could not apply the assignment');
    });
  }

  /** One timeout per version waiting for secrets; cancelled when they arrive or the version leaves. */
  private updateWaits(waiting: readonly WirePlacement[]): void {
    const versions = new Set(waiting.map((p) => p.versionId));
    for (const [versionId, cancel] of this.waits) {
      if (versions.has(versionId)) continue;
      cancel();
      this.waits.delete(versionId);
    }
    for (const versionId of versions) {
      if (this.waits.has(versionId)) continue;
      this.waits.set(versionId, this.deps.clock.schedule(this.timeoutMs, () => this.onSecretsTimeout(versionId)));
    }
  }

  private onSecretsTimeout(versionId: string): void {
    this.waits.delete(versionId);
    const placements = this.latest?.placements.filter((p) => p.versionId === versionId) ?? [];
    if (placements.length === 0) return;
    this.timedOut.add(versionId);
    this.log.warn(
      {
        versionId,
        deploymentIds: placements.map((p) => p.deploymentId),
        missing: missingSecrets(placements[0] as WirePlacement, this.secrets.get(versionId)),
        timeoutMs: this.timeoutMs,
      },
      'secrets did not arrive in time: handing the placement over without them, so the supervisor refuses it (FAILED: secret value not delivered)',
    );
    void this.reconcile();
  }

  /** Drops the secret values of versions neither assigned now nor running. */
  private forgetUnassigned(assignment: AssignmentMessage): void {
    const keep = new Set([...assignment.placements.map((p) => p.versionId), ...(this.applied ?? []).map((p) => p.versionId)]);
    for (const versionId of this.secrets.keys()) if (!keep.has(versionId)) this.secrets.delete(versionId);
    for (const versionId of this.timedOut) if (!keep.has(versionId)) this.timedOut.delete(versionId);
  }
}

/**
 * The runner's handler of `assignment` and `secrets` control messages. Independent of the agent:
 * register it with `agent.onControl('assignment', h.handleControl)` and the same for 'secrets'.
 */
export function createAssignmentHandler(deps: AssignmentHandlerDeps): AssignmentHandler {
  const reconciler = new AssignmentReconciler(deps);
  return { handleControl: (message) => reconciler.handleControl(message) };
}

import { Inject, Injectable } from '@nestjs/common';
import { isDomainError } from '@switchyard/protocol';
import { route } from '@switchyard/router';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { argumentsHmac } from '../gateway/arguments-hmac.js';
import { RunnerRelay } from '../relay/runner-relay.js';
import { OutstandingRequests } from '../routing/outstanding-requests.js';
import { RoutingSnapshotSource } from '../routing/routing-snapshot-source.js';
import { placementKey } from '../routing/snapshot-parts.js';
import { ShadowRepository } from './shadow.repository.js';
import type { ShadowPayload } from './shadow-store.js';
import { shadowToolCall, type ShadowCallOutcome } from './shadow-tool-call.js';

/** A mirrored call gives up after this long; the outcome is TIMEOUT (and counts as different). */
export const SHADOW_CALL_TIMEOUT_MS = 30_000;
/** Runners tried when one refuses the session (AT_CAPACITY, NOT_PLACED…), all chosen by the router. */
const MAX_RUNNERS_TRIED = 3;

export type ShadowRun = ({ kind: 'ran' } & ShadowCallOutcome) | { kind: 'not-run'; reason: string };

/**
 * Runs a mirrored call on one version of the server, where the policy router would put it: the
 * same snapshot as client traffic (residency, health, failover order), pinned to the version. A
 * shadow call never goes where the policy forbids; when nothing qualifies it is not run. Each run
 * is audited as a ToolInvocation with shadow = true (arguments only as their HMAC).
 */
@Injectable()
export class ShadowUpstream {
  constructor(
    private readonly source: RoutingSnapshotSource,
    private readonly relay: RunnerRelay,
    private readonly outstanding: OutstandingRequests,
    private readonly repository: ShadowRepository,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async run(versionId: string, payload: ShadowPayload): Promise<ShadowRun> {
    const routing = await this.source.snapshotFor(payload.serverName);
    const excludeRunnerIds: string[] = [];
    let reason = '';
    for (let attempt = 0; attempt < MAX_RUNNERS_TRIED; attempt += 1) {
      const decision = route({ pinnedVersionId: versionId, ...(excludeRunnerIds.length > 0 ? { excludeRunnerIds } : {}) }, routing.snapshot, { now: Date.now(), rng: Math.random });
      if (!decision.ok) return { kind: 'not-run', reason: attempt === 0 ? decision.message : reason };
      const deploymentId = routing.deployments.get(placementKey(decision.runnerId, versionId));
      if (deploymentId === undefined) return { kind: 'not-run', reason: `no deployment of version ${versionId} on runner ${decision.runnerId}` };
      let startedAt = 0;
      let callIdOf = '';
      this.outstanding.started(decision.runnerId);
      try {
        const outcome = await shadowToolCall(
          this.relay,
          { runnerId: decision.runnerId, deploymentId, versionId },
          {
            tool: payload.tool,
            arguments: payload.arguments,
            timeoutMs: SHADOW_CALL_TIMEOUT_MS,
            dispatching: async (callId) => {
              startedAt = performance.now();
              await this.repository.callStarted({
                callId,
                apiKeyId: payload.apiKeyId,
                traceId: payload.traceId,
                serverName: payload.serverName,
                versionId,
                runnerId: decision.runnerId,
                nodepoolId: decision.nodepoolId,
                rolloutId: payload.rolloutId,
                tool: payload.tool,
                argumentsHmac: argumentsHmac(this.config.auditHmacKey, payload.arguments),
                startedAt: new Date(),
              });
              callIdOf = callId;
            },
          },
        );
        await this.repository.callFinished(callIdOf, outcome.outcome, outcome.errorCode, new Date(), Math.max(0, Math.round(performance.now() - startedAt)));
        return { kind: 'ran', ...outcome };
      } catch (error) {
        if (!isDomainError(error) || error.details.beforeDispatch !== true) throw error;
        reason = error.message;
        excludeRunnerIds.push(decision.runnerId);
      } finally {
        this.outstanding.finished(decision.runnerId);
      }
    }
    return { kind: 'not-run', reason };
  }
}

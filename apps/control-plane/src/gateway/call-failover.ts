import { DEFAULT_RETRY_POLICY, emptyRetryBudget, mayRetry, recordCall, recordRetry, type RetryBudgetState, type RetryVerdict, type ToolAnnotations } from '@switchyard/router';
import type { RelaySession, SessionTarget } from '../relay/relay-session.js';
import type { SessionRecord } from './session-record.js';
import type { Upstream, UpstreamChooser } from './upstream-chooser.js';

export interface CallFailoverDeps {
  chooser: UpstreamChooser;
  openRelay(runnerId: string, target: SessionTarget): RelaySession;
  /** The tool's annotations from its version's last tools/list (GatewayPolicies.toolAnnotations). */
  annotations(versionId: string, tool: string): ToolAnnotations | undefined;
  now?: () => number;
}

/**
 * Whether a tools/call whose upstream was lost may be sent again, and where (docs/router.md,
 * "Retries"): only tools annotated readOnlyHint or idempotentHint, at most the server's
 * retryMaxAttempts, within its retry budget, on another runner of the session's version.
 *
 * The budget is kept per process (per server, libs/router's sliding window of calls and retries):
 * a retry is decided by the replica holding the session, and with N replicas the retries of a
 * server are bounded by N × the budget — a looser bound than a shared Redis bucket, paid for by no
 * Redis write on every call.
 */
export class CallFailover {
  private readonly budgets = new Map<string, RetryBudgetState>();
  private readonly now: () => number;

  constructor(private readonly deps: CallFailoverDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** A tools/call went upstream: the budget grows with the traffic. */
  callStarted(serverName: string): void {
    this.budgets.set(serverName, recordCall(this.budgetOf(serverName), this.now(), DEFAULT_RETRY_POLICY.windowMs));
  }

  /** attempt: the 1-based attempt that was just lost. Nothing is spent until `retried`. */
  async mayRetry(record: SessionRecord, tool: string, attempt: number): Promise<RetryVerdict> {
    const annotations = this.deps.annotations(record.versionId, tool);
    if (this.deps.chooser.retryPolicy === undefined || this.deps.chooser.sameVersionElsewhere === undefined) return { allowed: false, reason: 'max-attempts' };
    const policy = await this.deps.chooser.retryPolicy(record.serverName);
    return mayRetry(this.budgetOf(record.serverName), annotations, attempt, policy, this.now());
  }

  /** A retry was sent: it counts against the budget. */
  retried(serverName: string): void {
    this.budgets.set(serverName, recordRetry(this.budgetOf(serverName), this.now(), DEFAULT_RETRY_POLICY.windowMs));
  }

  /**
   * A relay session for the same gateway session on another runner of its version, chosen by the
   * router with the runners already tried left out; undefined when no such runner is routable.
   */
  async reopen(record: SessionRecord, excludeRunnerIds: readonly string[]): Promise<{ relay: RelaySession; upstream: Upstream } | undefined> {
    const upstream = await this.deps.chooser.sameVersionElsewhere?.(record.serverName, record.versionId, excludeRunnerIds);
    if (upstream === undefined) return undefined;
    const relay = this.deps.openRelay(upstream.runnerId, { sessionId: record.sessionId, deploymentId: upstream.deploymentId, versionId: upstream.versionId });
    return { relay, upstream };
  }

  private budgetOf(serverName: string): RetryBudgetState {
    return this.budgets.get(serverName) ?? emptyRetryBudget(this.now(), DEFAULT_RETRY_POLICY.windowMs);
  }
}

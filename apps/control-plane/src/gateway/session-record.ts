/**
 * A gateway session as every replica sees it (kept in Redis): which server, version, deployment
 * and runner it is pinned to, whose key opened it, the negotiated protocol version, and the
 * replica that holds its relay session to the runner.
 */
export interface SessionRecord {
  sessionId: string;
  serverName: string;
  versionId: string;
  deploymentId: string;
  runnerId: string;
  nodepoolId: string;
  apiKeyId: string;
  protocolVersion: string;
  /** The router's assignment (absent for records of an older build): the rollout, and the probability this arm had. */
  rolloutId?: string | null;
  propensity?: number;
  /** `call`: each tools/call asks the router again and may run on another (runner, version) than the session's. */
  unit?: 'session' | 'call';
  /** The nodepool's cost per call, for the router's reward. */
  costPerCall?: number;
  /** The control-plane process holding the relay session (docs/gateway.md, "Replicas"). */
  replicaId: string;
  createdAt: string;
}

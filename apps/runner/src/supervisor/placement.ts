/**
 * What the supervisor needs to know about one placed server version. The NATS side maps the
 * assignment message of libs/protocol onto this (and adds the secret values it received on the
 * runner's control subject), so the supervisor does not depend on the wire format.
 */
export type UpstreamTransport = 'STDIO' | 'STREAMABLE_HTTP';

export interface LaunchSpec {
  transport: UpstreamTransport;
  /** STDIO: the executable, a bare name looked up on PATH or a path relative to the working directory. */
  command: string | null;
  args: readonly string[];
  /** Plain variables for the child, declared in the version. */
  env: Readonly<Record<string, string>>;
  /** Names of variables whose values come from secrets (values: `Placement.secretValues`). */
  secretEnv: readonly string[];
  /** STREAMABLE_HTTP: the server's URL; only a loopback host is accepted. */
  url: string | null;
  /** SRI hash (`sha512-…`) pinned in the version; null means the version pins nothing. */
  artifactIntegrity: string | null;
  /** One upstream connection may serve many client sessions (the relay multiplexes). */
  stateless: boolean;
}

export interface Placement {
  deploymentId: string;
  versionId: string;
  /** The server's name (`[a-z0-9-]{1,32}`), for logs and status. */
  serverName: string;
  launch: LaunchSpec;
  /**
   * Secret values by variable name, held in memory only: they go into the child's environment
   * and nowhere else (never to disk, never to a log line).
   */
  secretValues: Readonly<Record<string, string>>;
}

/** A placement is the same server as long as its deployment and version are the same. */
export function placementKey(placement: Pick<Placement, 'deploymentId' | 'versionId'>): string {
  return `${placement.deploymentId}/${placement.versionId}`;
}

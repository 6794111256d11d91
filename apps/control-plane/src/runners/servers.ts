import { runningServerSchema, type ServerState } from '@switchyard/protocol';

/** A placed server version on a runner as the admin API shows it (from the last heartbeat). */
export interface RunnerServerView {
  deploymentId: string;
  versionId: string;
  state: ServerState;
  restarts: number;
}

/**
 * Runner.servers is JSON written from heartbeats of runners of any version: entries that do not
 * parse are skipped rather than failing the whole runner query.
 */
export function serversFromJson(json: unknown): RunnerServerView[] {
  if (!Array.isArray(json)) return [];
  return json.flatMap((entry) => {
    const parsed = runningServerSchema.safeParse(entry);
    if (!parsed.success) return [];
    const { deploymentId, versionId, state, restarts } = parsed.data;
    return [{ deploymentId, versionId, state, restarts }];
  });
}

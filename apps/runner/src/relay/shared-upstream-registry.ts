import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { JsonRpcMessage } from '@switchyard/protocol';
import type { Logger } from 'pino';
import type { UpstreamConnection } from '../supervisor/upstream-connection.js';
import { serverRequestAnswer, SharedUpstream } from './shared-upstream.js';

/**
 * The SharedUpstream of each shared connection, created when its first session attaches (and
 * forgotten with the connection object). The registry also answers the server's own requests
 * on the connection, once for all its sessions — no session can be told apart as their target.
 */
export class SharedUpstreamRegistry {
  private readonly byConnection = new WeakMap<UpstreamConnection, SharedUpstream>();

  constructor(private readonly logger: Logger) {}

  /** The rules of `connection`, the one connection behind a share (`UpstreamConnection.shared`). */
  of(connection: UpstreamConnection): SharedUpstream {
    const known = this.byConnection.get(connection);
    if (known !== undefined) return known;
    const shared = new SharedUpstream();
    this.byConnection.set(connection, shared);
    connection.onMessage((message) => {
      const answer = serverRequestAnswer(message as JsonRpcMessage);
      if (answer === undefined) return;
      if ('error' in answer) {
        this.logger.info({ deploymentId: connection.deploymentId, method: (message as { method?: string }).method }, 'refused a server request on a shared connection');
      }
      connection.send(answer as JSONRPCMessage).catch((error: Error) => {
        this.logger.warn({ deploymentId: connection.deploymentId, err: error.message }, 'could not answer a server request on a shared connection');
      });
    });
    return shared;
  }
}

import type { Msg, NatsConnection } from '@nats-io/transport-node';
import {
  callAckSchema,
  callMessageSchema,
  decode,
  encode,
  isDomainError,
  RUNNER_PROTOCOL_VERSION,
  type CallMessage,
  type CancelMessage,
  type CloseSessionMessage,
} from '@switchyard/protocol';
import type { Logger } from 'pino';
import { rejected, type AckDecision } from './ack.js';
import { claimUpstream, type UpstreamSource } from './claim-upstream.js';
import { isRequest } from './json-rpc-kinds.js';
import { RunnerSession } from './runner-session.js';
import { SharedUpstreamRegistry } from './shared-upstream-registry.js';
import { UpstreamPublisher } from './upstream-publisher.js';

export interface CallHandlerOptions {
  /** The runner's NATS connection (its own credentials: it may publish only under `sy.cp.<id>.>`). */
  nc: NatsConnection;
  runnerId: string;
  supervisor: UpstreamSource;
  logger: Logger;
  /** Largest message to publish whole; default: the server's max_payload. */
  maxPayload?: number;
  /** Sessions open at once on this runner (beyond it: AT_CAPACITY); default: no limit of its own. */
  maxSessions?: number;
}

/**
 * The runner's side of the relay. Call it with each request received on `sy.run.<id>.call`; the
 * agent hands it the `cancel` and `close-session` messages of `sy.run.<id>.ctl` and tells it when
 * to drain.
 */
export interface CallHandler {
  (msg: Msg): Promise<void>;
  control(message: CancelMessage | CloseSessionMessage): void;
  /** From now on: no new sessions and no new requests; answers and notifications still go through. */
  drain(): void;
  isDraining(): boolean;
  /** Requests written upstream and not answered yet, over all sessions (for the heartbeat). */
  inFlight(): number;
  openSessions(): number;
  /** Ends every session (runner shutdown), telling the control plane why. */
  close(reason: string): Promise<void>;
}

export function createCallHandler(options: CallHandlerOptions): CallHandler {
  const { nc, runnerId, supervisor, logger } = options;
  const log = logger.child({ component: 'relay', runnerId });
  const publisher = new UpstreamPublisher(nc, runnerId, log, options.maxPayload);
  const sessions = new Map<string, RunnerSession>();
  const sharing = new SharedUpstreamRegistry(log);
  let draining = false;

  const open = (call: CallMessage): RunnerSession => {
    const { sessionId, deploymentId, versionId } = call;
    const session: RunnerSession = new RunnerSession(
      {
        sessionId,
        deploymentId,
        versionId,
        publisher,
        sharing,
        logger: log,
        onEnded: () => {
          if (sessions.get(sessionId) === session) sessions.delete(sessionId);
        },
      },
      claimUpstream(supervisor, deploymentId, versionId),
    );
    sessions.set(sessionId, session);
    return session;
  };

  /** The ack for one call: which session takes it, or why none does. */
  const dispatch = (call: CallMessage): Promise<AckDecision> => {
    const { sessionId, message } = call;
    let session = sessions.get(sessionId);
    if (session === undefined) {
      if (draining) return Promise.resolve(rejected('DRAINING', 'the runner is draining: it takes no new sessions'));
      // A session begins with initialize. Anything else for an unknown session means the runner
      // lost it (restart, crashed server): the client must start a new session, not talk to a
      // server that never saw its initialize.
      if (!(isRequest(message) && message.method === 'initialize')) {
        return Promise.resolve(rejected('UNKNOWN_SESSION', `session ${sessionId} is not open on this runner`));
      }
      if (options.maxSessions !== undefined && sessions.size >= options.maxSessions) {
        return Promise.resolve(rejected('AT_CAPACITY', `the runner serves ${sessions.size} sessions, its limit`));
      }
      session = open(call);
    } else if (session.deploymentId !== call.deploymentId || session.versionId !== call.versionId) {
      return Promise.resolve(rejected('UNKNOWN_SESSION', `session ${sessionId} is open for another deployment or version`));
    } else if (draining && isRequest(message)) {
      return Promise.resolve(rejected('DRAINING', 'the runner is draining: it takes no new requests'));
    }
    return session.deliver(call.callId, message, { deadline: call.deadline, traceparent: call.traceparent });
  };

  const handler = async (msg: Msg): Promise<void> => {
    let call: CallMessage;
    try {
      call = decode(callMessageSchema, msg.data);
    } catch (error) {
      // No ack: it must name the call id, which a message that does not decode may lack. The
      // control plane's wait for the ack fails instead. Only the paths of the problems are
      // logged, never values (they could be tool arguments).
      const problem = isDomainError(error) && error.details.fields ? { fields: error.details.fields.map((field) => field.path) } : { err: (error as Error).message };
      log.warn(problem, 'refused a call that does not decode');
      return;
    }
    const traceparent = call.traceparent;
    let ack: AckDecision;
    try {
      ack = await dispatch(call);
    } catch (error) {
      log.error({ sessionId: call.sessionId, callId: call.callId, traceparent, err: (error as Error).message }, 'relay failed on a call');
      ack = rejected('UPSTREAM_WRITE_FAILED', 'the runner failed to relay the message');
    }
    if (ack.status === 'rejected') {
      log.info({ sessionId: call.sessionId, callId: call.callId, traceparent, code: ack.error.code, reason: ack.error.message }, 'call rejected');
    }
    msg.respond(encode(callAckSchema, { v: RUNNER_PROTOCOL_VERSION, callId: call.callId, ...ack }));
  };

  const control = (message: CancelMessage | CloseSessionMessage): void => {
    const session = sessions.get(message.sessionId);
    if (message.type === 'cancel') {
      const cancelled = session?.cancel(message.callId, message.reason) ?? false;
      log.debug({ sessionId: message.sessionId, callId: message.callId, cancelled }, 'cancel from the control plane');
      return;
    }
    void session?.close(message.reason, { announce: false });
  };

  return Object.assign(handler, {
    control,
    drain: () => {
      draining = true;
    },
    isDraining: () => draining,
    inFlight: () => [...sessions.values()].reduce((sum, session) => sum + session.inFlight, 0),
    openSessions: () => sessions.size,
    close: async (reason: string) => {
      await Promise.all([...sessions.values()].map((session) => session.close(reason, { announce: true })));
    },
  });
}

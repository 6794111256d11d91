import type { Msg } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { createAssignmentHandler } from '../assignment/assignment-handler.js';
import type { RunnerConfig } from '../config/runner-config.js';
import { createCallHandler, type CallHandler as RelayHandler } from '../relay/call-handler.js';
import { systemClock } from '../supervisor/clock.js';
import type { ServerSupervisor } from '../supervisor/server-supervisor.js';
import type { RunnerAgent } from './runner-agent.js';

export interface AgentPluginContext {
  agent: RunnerAgent;
  supervisor: ServerSupervisor;
  config: RunnerConfig;
  logger: Logger;
}

/**
 * Wires one feature into a starting runner, before it connects: `agent.onControl('assignment', …)`
 * for placement, `agent.onCall(…)` and `agent.setInFlightCounter(…)` for the relay.
 */
export type AgentPlugin = (context: AgentPluginContext) => void;

/**
 * Placement: assignments and secret deliveries on `sy.run.<id>.ctl` drive the supervisor. The
 * handler is not awaited: the supervisor queues its own applies in order, and a slow apply (a
 * server stopping within its grace period) must not hold up the cancels queued behind it.
 */
export const assignmentPlugin: AgentPlugin = ({ agent, supervisor, logger }) => {
  const handler = createAssignmentHandler({ supervisor, logger, clock: systemClock });
  agent.onControl('assignment', (message) => void handler.handleControl(message));
  agent.onControl('secrets', (message) => void handler.handleControl(message));
  supervisor.onChange(() => agent.heartbeatSoon());
};

/**
 * The relay: calls on `sy.run.<id>.call`, cancel and close-session on the control subject. The
 * relay needs the agent's connection, which exists only once it is up; the first call (which
 * cannot arrive earlier) creates it.
 */
export const relayPlugin: AgentPlugin = ({ agent, supervisor, logger }) => {
  let relay: RelayHandler | undefined;
  let draining = false;
  const relayOf = (): RelayHandler | undefined => {
    if (relay !== undefined) return relay;
    const nc = agent.connection;
    if (nc === undefined) return undefined;
    relay = createCallHandler({ nc, runnerId: agent.runnerId, supervisor, logger });
    if (draining) relay.drain();
    return relay;
  };
  agent.onCall((msg: Msg) => relayOf()?.(msg), {
    drain: () => {
      draining = true;
      relay?.drain();
    },
    close: async (reason) => {
      await relay?.close(reason);
    },
  });
  agent.setInFlightCounter(() => relay?.inFlight() ?? 0);
  agent.onControl('cancel', (message) => relayOf()?.control(message));
  agent.onControl('close-session', (message) => relayOf()?.control(message));
};

/**
 * Every feature `switchyard-runner start` wires in. Shared registration list: append only.
 */
export const AGENT_PLUGINS: readonly AgentPlugin[] = [assignmentPlugin, relayPlugin];

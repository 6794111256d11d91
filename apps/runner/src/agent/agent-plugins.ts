import type { Logger } from 'pino';
import type { RunnerConfig } from '../config/runner-config.js';
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
 * Every feature `switchyard-runner start` wires in. Shared registration list: append only.
 */
export const AGENT_PLUGINS: readonly AgentPlugin[] = [];

// The runner's programmatic surface, for the NATS side of the runner (assignment → apply,
// relay → connectionFor, heartbeat → status and GPUs). Apps are never imported by other projects.
export { ServerSupervisor, type ServerSupervisorOptions } from './supervisor/server-supervisor.js';
export type { Placement, LaunchSpec, UpstreamTransport } from './supervisor/placement.js';
export type { ServerState, ServerStatus } from './supervisor/server-status.js';
export type { UpstreamConnection } from './supervisor/upstream-connection.js';
export { detectGpus, type GpuInfo } from './gpu/nvidia-smi.js';
export { loadRunnerConfig, type RunnerConfig } from './config/runner-config.js';
export { RunnerAgent, type CallHandler, type AgentExit, type RunnerAgentOptions, type SupervisedServers } from './agent/runner-agent.js';
export type { ControlHandler, ControlType, ControlMessageOf } from './agent/control-dispatcher.js';
export { AGENT_PLUGINS, type AgentPlugin, type AgentPluginContext } from './agent/agent-plugins.js';

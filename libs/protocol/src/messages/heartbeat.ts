import { z } from 'zod';
import { countField, idField, instantField, protocolVersionField, softwareVersionField } from './fields.js';

/** Supervisor state of one placed server version on a runner. */
export const serverStateField = z.enum(['STARTING', 'RUNNING', 'BACKOFF', 'STOPPED', 'FAILED']);
export type ServerState = z.infer<typeof serverStateField>;

export const runningServerSchema = z.object({
  deploymentId: idField,
  versionId: idField,
  state: serverStateField,
  /** Restarts since the placement was assigned (crash loops show here before FAILED). */
  restarts: countField,
  pid: z.int().positive().optional(),
});

/** One GPU as `nvidia-smi --query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu` reports it. */
export const gpuSchema = z.object({
  index: countField,
  uuid: z.string().min(1).max(128),
  name: z.string().min(1).max(128),
  memoryTotalMiB: countField,
  /** Absent when the driver reports "[N/A]". */
  memoryUsedMiB: countField.optional(),
  utilizationPercent: z.number().min(0).max(100).optional(),
});

/**
 * Heartbeat — runner → control plane on `sy.cp.<runnerId>.hb`, every few seconds while connected.
 * Carries no runner id: the subject names the sender. `seq` increases by one per heartbeat of a
 * runner process, so the control plane can drop a reordered older one; a restarted runner starts
 * again at 0. No GPU is an empty list, not an error.
 */
export const heartbeatSchema = z
  .object({
    v: protocolVersionField,
    seq: countField,
    sentAt: instantField,
    softwareVersion: softwareVersionField,
    capacity: countField,
    inFlight: countField,
    servers: z.array(runningServerSchema),
    gpus: z.array(gpuSchema),
    /** True after a drain message or SIGTERM: route no new calls here. */
    draining: z.boolean(),
  })
  .describe('heartbeat');

export type RunningServer = z.infer<typeof runningServerSchema>;
export type Gpu = z.infer<typeof gpuSchema>;
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/**
 * How often a runner sends its heartbeat. Both sides read it from here: the control plane marks a
 * runner UNHEALTHY once it has been silent for HEARTBEAT_SILENCE_INTERVALS of them (a hung host can
 * keep its TCP connection, so NATS alone would not notice).
 */
export const HEARTBEAT_INTERVAL_MS = 5_000;
export const HEARTBEAT_SILENCE_INTERVALS = 3;

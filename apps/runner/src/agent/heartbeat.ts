import { RUNNER_PROTOCOL_VERSION, type Gpu, type Heartbeat, type RunningServer } from '@switchyard/protocol';
import type { GpuInfo } from '../gpu/nvidia-smi.js';
import type { ServerStatus } from '../supervisor/server-status.js';

export interface HeartbeatInputs {
  seq: number;
  now: Date;
  softwareVersion: string;
  capacity: number;
  inFlight: number;
  servers: readonly ServerStatus[];
  gpus: readonly GpuInfo[];
  draining: boolean;
}

function runningServer(status: ServerStatus): RunningServer {
  return {
    deploymentId: status.deploymentId,
    versionId: status.versionId,
    state: status.state,
    restarts: status.restarts,
    ...(status.pid !== null && status.pid > 0 ? { pid: status.pid } : {}),
  };
}

/**
 * nvidia-smi can leave any number unknown; the wire format requires the total memory, so an
 * unknown total is reported as 0 — placement then treats the GPU as having no memory to offer,
 * the safe side — while unknown usage and utilisation are simply left out.
 */
function gpu(info: GpuInfo): Gpu {
  return {
    index: info.index,
    uuid: info.uuid,
    name: info.name === '' ? 'unknown' : info.name.slice(0, 128),
    memoryTotalMiB: info.memoryTotalMiB === null ? 0 : Math.round(info.memoryTotalMiB),
    ...(info.memoryUsedMiB !== null ? { memoryUsedMiB: Math.round(info.memoryUsedMiB) } : {}),
    ...(info.utilizationPercent !== null ? { utilizationPercent: Math.min(100, info.utilizationPercent) } : {}),
  };
}

/** The heartbeat message (heartbeatSchema) from the runner's current state. Pure. */
export function buildHeartbeat(inputs: HeartbeatInputs): Heartbeat {
  return {
    v: RUNNER_PROTOCOL_VERSION,
    seq: inputs.seq,
    sentAt: inputs.now.toISOString(),
    softwareVersion: inputs.softwareVersion,
    capacity: inputs.capacity,
    inFlight: Math.max(0, Math.floor(inputs.inFlight)),
    servers: inputs.servers.map(runningServer),
    gpus: inputs.gpus.map(gpu),
    draining: inputs.draining,
  };
}

/**
 * The latest GPU inventory, refreshed in the background: nvidia-smi may take a while (or hang,
 * up to its timeout) and a heartbeat must not wait for it. Only the first read waits.
 */
export class GpuInventory {
  private latest: GpuInfo[] = [];
  private refreshing: Promise<void> | undefined;
  private first: Promise<void> | undefined;

  constructor(private readonly detect: () => Promise<GpuInfo[]>) {}

  /** The inventory as last detected; starts a refresh unless one is running. */
  async current(): Promise<GpuInfo[]> {
    if (!this.refreshing) {
      this.refreshing = this.detect()
        .then((gpus) => {
          this.latest = gpus;
        })
        .catch(() => undefined)
        .finally(() => {
          this.refreshing = undefined;
        });
      this.first ??= this.refreshing;
    }
    await this.first;
    return this.latest;
  }
}

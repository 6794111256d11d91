/** A GPU as the admin API shows it. */
export interface GpuView {
  index: number;
  name: string;
  memoryMiB: number | null;
  uuid: string | null;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function nonNegativeInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * Runner.gpus is JSON written from heartbeats of runners of any version, so it is read
 * defensively: a list of objects is expected, anything else is skipped rather than failing the
 * whole runner query. A missing index falls back to the position in the list.
 */
export function gpusFromJson(json: unknown): GpuView[] {
  if (!Array.isArray(json)) return [];
  return json.flatMap((entry, position) => {
    const gpu = record(entry);
    if (!gpu) return [];
    return [
      {
        index: nonNegativeInt(gpu['index']) ?? position,
        name: typeof gpu['name'] === 'string' && gpu['name'] !== '' ? gpu['name'] : 'unknown',
        // Heartbeats (libs/protocol gpuSchema) send memoryTotalMiB; memoryMiB is the older name.
        memoryMiB: nonNegativeInt(gpu['memoryTotalMiB']) ?? nonNegativeInt(gpu['memoryMiB']) ?? null,
        uuid: typeof gpu['uuid'] === 'string' && gpu['uuid'] !== '' ? gpu['uuid'] : null,
      },
    ];
  });
}

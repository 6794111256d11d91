import type { FieldProblem } from '@switchyard/protocol';

export interface GpuRequirement {
  gpuCount: number;
  gpuModel: string | null;
  gpuMinMemoryMiB: number | null;
}

/**
 * A GPU model or memory floor narrows which GPUs qualify, so it only means something when
 * GPUs are asked for; without gpuCount it would be silently ignored by placement.
 */
export function gpuRequirementProblems(requirement: GpuRequirement): FieldProblem[] {
  if (requirement.gpuCount > 0) return [];
  const problems: FieldProblem[] = [];
  if (requirement.gpuModel !== null) problems.push({ path: 'gpuModel', message: 'needs gpuCount of at least 1' });
  if (requirement.gpuMinMemoryMiB !== null) problems.push({ path: 'gpuMinMemoryMiB', message: 'needs gpuCount of at least 1' });
  return problems;
}

import { gpuRequirementProblems } from './gpu-requirement.js';

describe('gpuRequirementProblems', () => {
  it('accepts no GPUs at all', () => {
    expect(gpuRequirementProblems({ gpuCount: 0, gpuModel: null, gpuMinMemoryMiB: null })).toEqual([]);
  });

  it('accepts a model and memory floor when GPUs are asked for', () => {
    expect(gpuRequirementProblems({ gpuCount: 2, gpuModel: 'A100', gpuMinMemoryMiB: 40_960 })).toEqual([]);
  });

  it('reports a model or memory floor without GPUs on each field', () => {
    expect(gpuRequirementProblems({ gpuCount: 0, gpuModel: 'A100', gpuMinMemoryMiB: 40_960 })).toEqual([
      { path: 'gpuModel', message: 'needs gpuCount of at least 1' },
      { path: 'gpuMinMemoryMiB', message: 'needs gpuCount of at least 1' },
    ]);
  });
});

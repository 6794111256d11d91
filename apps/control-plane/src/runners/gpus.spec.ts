import { gpusFromJson } from './gpus.js';

describe('gpusFromJson', () => {
  it('maps well-formed entries field by field', () => {
    expect(gpusFromJson([{ index: 1, name: 'NVIDIA A100', memoryMiB: 81920, uuid: 'GPU-abc' }])).toEqual([
      { index: 1, name: 'NVIDIA A100', memoryMiB: 81920, uuid: 'GPU-abc' },
    ]);
  });

  it.each([null, 'gpu', 3, {}, { index: 0 }])('reads %j (not a list) as no GPUs', (json) => {
    expect(gpusFromJson(json)).toEqual([]);
  });

  it('skips entries that are not objects and fills what is missing or mistyped', () => {
    expect(
      gpusFromJson(['A100', null, [1], { name: 42, memoryMiB: -1, uuid: '' }, { index: 1.5, memoryMiB: '80GB', uuid: 7 }]),
    ).toEqual([
      { index: 3, name: 'unknown', memoryMiB: null, uuid: null },
      { index: 4, name: 'unknown', memoryMiB: null, uuid: null },
    ]);
  });

  it('reads memoryTotalMiB as heartbeats send it', () => {
    expect(gpusFromJson([{ index: 0, uuid: 'GPU-1', name: 'NVIDIA L4', memoryTotalMiB: 23034, memoryUsedMiB: 3 }])).toEqual([
      { index: 0, name: 'NVIDIA L4', memoryMiB: 23034, uuid: 'GPU-1' },
    ]);
  });
});

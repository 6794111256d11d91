import { serversFromJson } from './servers.js';

describe('serversFromJson', () => {
  const running = { deploymentId: 'dep-1', versionId: 'ver-1', state: 'RUNNING', restarts: 2, pid: 4242 };

  it('keeps deployment, version, state and restarts of each entry (not the pid)', () => {
    expect(serversFromJson([running])).toEqual([{ deploymentId: 'dep-1', versionId: 'ver-1', state: 'RUNNING', restarts: 2 }]);
  });

  it('skips entries that do not parse and reads anything but a list as none', () => {
    expect(serversFromJson([running, { ...running, state: 'EXPLODED' }, 'junk', null])).toHaveLength(1);
    expect(serversFromJson({ servers: [running] })).toEqual([]);
    expect(serversFromJson(null)).toEqual([]);
  });
});

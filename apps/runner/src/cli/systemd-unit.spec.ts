// The shipped systemd unit agrees with the code it runs: exit codes, paths, stop timing.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG_PATH, DEFAULT_DATA_DIR, runnerConfigSchema } from '../config/runner-config.schema.js';
import { START_EXIT } from './start.command.js';

const UNIT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'deploy', 'systemd', 'switchyard-runner.service');
/** ServerSupervisor's default SIGTERM → SIGKILL grace for the MCP servers it stops at shutdown. */
const SERVER_STOP_GRACE_SECONDS = 10;

/** `Key=value` lines of the [Service] section (comments and other sections left out). */
function serviceSettings(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) section = line;
    else if (section === '[Service]' && line !== '' && !line.startsWith('#')) {
      const at = line.indexOf('=');
      settings.set(line.slice(0, at), line.slice(at + 1));
    }
  }
  return settings;
}

describe('deploy/systemd/switchyard-runner.service', () => {
  const sut = serviceSettings(readFileSync(UNIT, 'utf8'));

  it('restarts on failure but not on the exit code that means "enroll again"', () => {
    expect(sut.get('Restart')).toBe('on-failure');
    expect(sut.get('RestartPreventExitStatus')?.split(/\s+/)).toContain(String(START_EXIT.ENROLL));
  });

  it('runs start with the default config as the service user, the data directory its state directory', () => {
    expect(sut.get('ExecStart')).toBe(`/usr/local/bin/switchyard-runner start --config ${DEFAULT_CONFIG_PATH}`);
    expect(sut.get('User')).toBe('switchyard-runner');
    expect(`/var/lib/${sut.get('StateDirectory')}`).toBe(DEFAULT_DATA_DIR);
    expect(sut.get('StateDirectoryMode')).toBe('0700');
    expect(sut.get('ReadWritePaths')).toBe(DEFAULT_DATA_DIR);
  });

  it('gives the default drain grace and the servers\' stop time before systemd kills the runner', () => {
    const defaultGrace = runnerConfigSchema.shape.drainGraceSeconds.parse(undefined);
    expect(sut.get('KillSignal')).toBe('SIGTERM');
    expect(Number(sut.get('TimeoutStopSec')?.replace(/s$/, ''))).toBeGreaterThan(defaultGrace + SERVER_STOP_GRACE_SECONDS);
  });

  it('is hardened', () => {
    for (const [key, value] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['UMask', '0077'],
      ['CapabilityBoundingSet', ''],
    ]) {
      expect([key, sut.get(key)]).toEqual([key, value]);
    }
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresRunning } from './postgres-running.js';

describe('postgresRunning', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pg-running-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('says yes when postmaster.pid names a live process', () => {
    writeFileSync(join(dir, 'postmaster.pid'), `${process.pid}\n/data\n`);
    expect(postgresRunning(dir)).toBe(true);
  });

  it('says no for a pid that has exited, a bad pid file, or none', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.once('exit', resolve));
    writeFileSync(join(dir, 'postmaster.pid'), `${child.pid}\n`);
    expect(postgresRunning(dir)).toBe(false);

    writeFileSync(join(dir, 'postmaster.pid'), 'not a pid\n');
    expect(postgresRunning(dir)).toBe(false);

    rmSync(join(dir, 'postmaster.pid'));
    expect(postgresRunning(dir)).toBe(false);
  });
});

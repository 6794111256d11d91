import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { findExecutable, LaunchResolutionError, resolveLaunch } from './resolve-launch.js';

describe('resolveLaunch', () => {
  let dir: string;
  let bin: string;
  let pkg: string;

  beforeEach(() => {
    // realpath: the temp dir itself may sit behind a symlink (macOS /var → /private/var).
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'sy-resolve-')));
    bin = join(dir, 'node_modules', '.bin');
    pkg = join(dir, 'node_modules', 'mcp-thing', 'dist');
    mkdirSync(bin, { recursive: true });
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'index.js'), '#!/usr/bin/env node\n');
    chmodSync(join(pkg, 'index.js'), 0o755);
    // What npm creates for a package's bin entry.
    symlinkSync('../mcp-thing/dist/index.js', join(bin, 'mcp-thing'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('follows a node_modules/.bin symlink found on PATH to the package file it points at', async () => {
    const launch = await resolveLaunch('mcp-thing', ['--stdio'], { PATH: ['/nonexistent', bin].join(delimiter), cwd: '/' });

    expect(launch).toEqual({ executable: join(pkg, 'index.js'), args: ['--stdio'], artifact: join(pkg, 'index.js') });
  });

  it('hashes the script, not the interpreter, for `node <script>` and runs the script by its real path', async () => {
    symlinkSync(join(pkg, 'index.js'), join(dir, 'server.js'));

    const launch = await resolveLaunch('node', ['server.js', 'stdio'], { PATH: process.env.PATH, cwd: dir });

    expect(launch.artifact).toBe(join(pkg, 'index.js'));
    expect(launch.args).toEqual([join(pkg, 'index.js'), 'stdio']);
    expect(launch.executable).toBe(realpathSync(launch.executable));
  });

  it('hashes node itself when its first argument is a flag (there is no script to pin)', async () => {
    const launch = await resolveLaunch('node', ['-e', '1'], { PATH: process.env.PATH, cwd: dir });

    expect(launch.artifact).toBe(launch.executable);
    expect(launch.args).toEqual(['-e', '1']);
  });

  it('resolves a relative command against the working directory, not PATH', async () => {
    const launch = await resolveLaunch('./node_modules/.bin/mcp-thing', [], { PATH: '', cwd: dir });

    expect(launch.artifact).toBe(join(pkg, 'index.js'));
  });

  it('refuses a command that is not on PATH, and a missing script', async () => {
    await expect(resolveLaunch('mcp-thing', [], { PATH: '/nonexistent', cwd: dir })).rejects.toThrow(LaunchResolutionError);
    await expect(resolveLaunch('node', ['missing.js'], { PATH: process.env.PATH, cwd: dir })).rejects.toThrow(/script not found: missing.js/);
  });
});

describe('findExecutable', () => {
  let dir: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'sy-find-')));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('skips files that are not executable, directories, and empty or relative PATH entries', async () => {
    writeFileSync(join(dir, 'tool'), 'not executable');
    mkdirSync(join(dir, 'sub'));
    mkdirSync(join(dir, 'sub', 'tool'));

    expect(await findExecutable('tool', { PATH: [join(dir, 'sub'), dir].join(delimiter), cwd: dir })).toBeNull();

    chmodSync(join(dir, 'tool'), 0o755);
    expect(await findExecutable('tool', { PATH: ['', '.', 'sub'].join(delimiter), cwd: dir })).toBeNull();
    expect(await findExecutable('tool', { PATH: [join(dir, 'sub'), dir].join(delimiter), cwd: '/' })).toBe(join(dir, 'tool'));
  });
});

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  buildKeys,
  ensureBuilt,
  inputsOf,
  staleBuilds,
  type BuildStamp,
  type InputFile,
} from '../../../scripts/lib/builds.mjs';
import { launch } from '../../../scripts/lib/launch.mjs';

/** `pnpm demo` and `pnpm sim` (scripts/start.mjs): the ports first, then the builds. */
const root = fileURLToPath(new URL('../../..', import.meta.url));

const PACKAGES = [
  { name: 'internal', build: false, deps: [] },
  { name: 'call-client', build: true, deps: ['internal'] },
  { name: 'dialer', build: true, deps: ['call-client', 'internal'] },
  { name: 'scheduler-core', build: true, deps: ['call-client', 'internal'] },
  { name: 'demo', build: true, deps: ['call-client', 'dialer', 'scheduler-core'] },
];

const file = (path: string, mtimeMs = 1_000, size = 100): InputFile => ({ path, size, mtimeMs });
const FILES: Record<string, InputFile[]> = {
  internal: [file('src/index.ts')],
  'call-client': [file('src/index.ts'), file('src/status.ts'), file('tsup.config.ts')],
  dialer: [file('src/index.ts')],
  'scheduler-core': [file('src/index.ts')],
  demo: [file('src/demo.ts'), file('src/client/app.ts'), file('vite.config.ts')],
};

/** The stamps a build of every package from `files` recorded (each dist fingerprinted `out`). */
function builtFrom(files: Record<string, InputFile[]>): Record<string, BuildStamp> {
  const keys = buildKeys(PACKAGES, files);
  return Object.fromEntries(PACKAGES.map((p) => [p.name, { key: keys[p.name]!, outputs: 'out' }]));
}

/** The builds `target` needs when the files are now `files`, after a build from FILES. */
function stale(
  files: Record<string, InputFile[]>,
  target = 'demo',
  outputs: Record<string, string | null> = {},
) {
  return staleBuilds({
    packages: PACKAGES,
    targets: [target],
    keys: buildKeys(PACKAGES, files),
    stamps: builtFrom(FILES),
    outputs: { ...Object.fromEntries(PACKAGES.map((p) => [p.name, 'out'])), ...outputs },
  });
}

const edit = (pkg: string, change: (files: InputFile[]) => InputFile[]) => ({
  ...FILES,
  [pkg]: change(FILES[pkg]!),
});

describe('the builds of pnpm demo and pnpm sim', () => {
  it('are all skipped when nothing changed since the last build', () => {
    expect(stale(FILES)).toEqual([]);
    expect(stale(structuredClone(FILES), 'call-client')).toEqual([]);
  });

  it('rebuild only the demo when one of its files is newer', () => {
    const files = edit('demo', (f) =>
      f.map((x) => (x.path === 'src/demo.ts' ? file(x.path, 2_000) : x)),
    );
    expect(stale(files)).toEqual(['demo']);
    expect(stale(files, 'call-client')).toEqual([]);
  });

  it('rebuild a changed package and everything built on it, in dependency order', () => {
    const files = edit('call-client', (f) => f.map((x, i) => (i === 1 ? file(x.path, 900) : x)));
    expect(stale(files)).toEqual(['call-client', 'dialer', 'scheduler-core', 'demo']);
    expect(stale(files, 'call-client')).toEqual(['call-client']);
  });

  it('rebuild every package that bundles a changed package without a build of its own', () => {
    const files = edit('internal', (f) => f.map((x) => file(x.path, x.mtimeMs, 101)));
    expect(stale(files)).toEqual(['call-client', 'dialer', 'scheduler-core', 'demo']);
  });

  it('rebuild when a file was added or deleted, whatever the times', () => {
    expect(stale(edit('dialer', (f) => [...f, file('src/new.ts', 1)]))).toEqual(['dialer', 'demo']);
    expect(
      stale(
        edit('call-client', (f) => f.slice(1)),
        'call-client',
      ),
    ).toEqual(['call-client']);
  });

  it('rebuild a package whose dist is gone or not what its build wrote, and not those built on it', () => {
    expect(stale(FILES, 'demo', { 'call-client': null })).toEqual(['call-client']);
    expect(stale(FILES, 'demo', { 'scheduler-core': 'other' })).toEqual(['scheduler-core']);
  });

  it('rebuild a package never built here', () => {
    const stamps = builtFrom(FILES);
    delete stamps['dialer'];
    const keys = buildKeys(PACKAGES, FILES);
    const outputs = Object.fromEntries(PACKAGES.map((p) => [p.name, 'out']));
    expect(staleBuilds({ packages: PACKAGES, targets: ['demo'], keys, stamps, outputs })).toEqual([
      'dialer',
    ]);
  });
});

const dirs: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const server of servers.splice(0)) await new Promise((r) => server.close(r));
});

/** A workspace of two packages on disk: `lib` (built) and `app` (built on `lib`). */
function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'ringkit-builds-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n');
  const pkg = (name: string, deps: Record<string, string>) => {
    mkdirSync(join(dir, 'packages', name, 'src'), { recursive: true });
    const manifest = { name, scripts: { build: 'tsup' }, dependencies: deps };
    writeFileSync(join(dir, 'packages', name, 'package.json'), JSON.stringify(manifest));
    writeFileSync(join(dir, 'packages', name, 'src', 'index.ts'), 'export {};\n');
    writeFileSync(join(dir, 'packages', name, 'src', 'index.test.ts'), 'test;\n');
  };
  pkg('lib', {});
  pkg('app', { lib: 'workspace:^', zod: '^4' });
  /** A build that writes each package's dist. */
  const run = vi.fn(async (_root: string, names: string[]) => {
    for (const name of names) {
      mkdirSync(join(dir, 'packages', name, 'dist'), { recursive: true });
      writeFileSync(join(dir, 'packages', name, 'dist', 'index.js'), `// ${name}\n`);
    }
  });
  return { dir, run };
}

describe('ensureBuilt', () => {
  it('builds what is missing, then nothing until a source changes, then only what it changes', async () => {
    const { dir, run } = workspace();
    const log = vi.fn();
    expect(await ensureBuilt(dir, ['app'], { run, log })).toEqual(['lib', 'app']);
    expect(log).toHaveBeenCalledWith('ringkit: building lib, app (changed since the last build)');
    expect(await ensureBuilt(dir, ['app'], { run, log })).toEqual([]);
    // A test file is no input of a build.
    utimesSync(join(dir, 'packages/lib/src/index.test.ts'), new Date(), new Date(Date.now() + 5e3));
    expect(await ensureBuilt(dir, ['app'], { run, log })).toEqual([]);
    utimesSync(join(dir, 'packages/app/src/index.ts'), new Date(), new Date(Date.now() + 5e3));
    expect(await ensureBuilt(dir, ['app'], { run, log })).toEqual(['app']);
    rmSync(join(dir, 'packages/lib/dist'), { recursive: true });
    expect(await ensureBuilt(dir, ['app'], { run, log })).toEqual(['lib']);
    expect(run).toHaveBeenCalledTimes(3);
  });

  it('records nothing for a build that failed, so the next start builds again', async () => {
    const { dir, run } = workspace();
    const failing = vi.fn().mockRejectedValue(new Error('the build of lib failed'));
    await expect(ensureBuilt(dir, ['lib'], { run: failing, log: () => {} })).rejects.toThrow(
      'the build of lib failed',
    );
    expect(await ensureBuilt(dir, ['lib'], { run, log: () => {} })).toEqual(['lib']);
  });

  it('reads a package source folder without its tests', () => {
    const { dir } = workspace();
    expect(inputsOf(dir, 'packages/lib').map((f) => f.path)).toEqual([
      join('src', 'index.ts'),
      'package.json',
    ]);
  });
});

async function takenPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

describe('launch', () => {
  it('stops with a line for each taken port, all in one run, before building anything', async () => {
    const port = await takenPort();
    const other = await takenPort();
    const build = vi.fn(async () => {});
    const start = vi.fn(async () => {});
    const error = vi.fn();
    const ports = [
      { port, host: '127.0.0.1', message: `CALL_API_URL: ${port} is taken` },
      { port: 0, host: '127.0.0.1', message: 'never' },
      { port: other, host: '127.0.0.1', message: `PORT: ${other} is taken` },
    ];
    expect(await launch({ ports, build, start, error })).toBe(1);
    expect(error.mock.calls).toEqual([
      [`CALL_API_URL: ${port} is taken`],
      [`PORT: ${other} is taken`],
    ]);
    expect(build).not.toHaveBeenCalled();
    expect(start).not.toHaveBeenCalled();
  });

  it('builds, then starts, when every port is free; a failed build stops it with code 1', async () => {
    const steps: string[] = [];
    const ports = [{ port: 0, host: '127.0.0.1', message: 'never' }];
    const build = async () => void steps.push('build');
    const start = async () => void steps.push('start');
    expect(await launch({ ports, build, start })).toBeUndefined();
    expect(steps).toEqual(['build', 'start']);
    const error = vi.fn();
    const failed = async () => Promise.reject(new Error('the build of demo failed'));
    expect(await launch({ ports, build: failed, start, error })).toBe(1);
    expect(error).toHaveBeenCalledWith('the build of demo failed');
    expect(steps).toEqual(['build', 'start']);
  });
});

/** Runs one of the root scripts; resolves with its exit code and output. */
function script(name: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs'), name, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('the root scripts with a port taken', () => {
  it('pnpm demo stops with a line naming the variable to change for every taken port, before any build', async () => {
    const port = await takenPort();
    const app = await takenPort();
    const run = await script('demo', ['--'], {
      CALL_API_URL: `http://localhost:${port}`,
      PORT: String(app),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      `CALL_API_URL: port ${port} is already in use (the simulator listens where CALL_API_URL points); set CALL_API_URL to a free port, e.g. CALL_API_URL=http://localhost:${port + 1}`,
      expect.stringMatching(
        new RegExp(`^PORT: .*:${app} is already in use; set PORT to a free port`),
      ),
    ]);
  });

  it('pnpm sim -- --polling-port N stops with one line naming the option to change', async () => {
    const port = await takenPort();
    const run = await script('sim', ['--', '--polling-port', String(port)], {});
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      `ringkit-sim: port ${port} is already in use (the polling flavour listens on --polling-port); set --polling-port (or SIM_POLLING_PORT) to a free port, e.g. --polling-port ${port + 1}`,
    ]);
  });
});

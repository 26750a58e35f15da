// Builds for `pnpm demo` and `pnpm sim`, skipped when up to date. A package's build is keyed by
// what goes into it: its sources (`src/`, test files left out), its build configuration, the
// lockfile, the sources of the workspace packages it bundles (those without a build of their
// own) and the keys of those it builds on. A build is skipped when its key is the one recorded
// after its last build here and its `dist/` still holds the files that build wrote. Keys come
// from file paths, sizes and modification times (no file is read), so the check takes
// milliseconds; a deleted or added file changes the key as an edited one does.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

/** The build configuration at a package's root (not vitest's). */
const CONFIG_FILE =
  /^(package\.json|tsconfig(\.[\w-]+)?\.json|tsup\.config\.\w+|vite(\.[\w-]+)?\.config\.\w+)$/;
/** Files at the repository's root that every build reads. */
const ROOT_INPUTS = ['pnpm-lock.yaml', 'tsconfig.base.json'];

/**
 * Each package's key, from `files` (its own inputs as `{ path, size, mtimeMs }`, fake ones in
 * tests) and the packages it depends on: the inputs of a dependency without a build count as
 * its own (it is bundled from source), the key of one with a build is part of its key.
 */
export function buildKeys(packages, files) {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const keys = {};
  const keyOf = (name, path = []) => {
    if (keys[name]) return keys[name];
    if (path.includes(name)) throw new Error(`workspace packages depend on each other: ${name}`);
    const hash = createHash('sha256');
    const sources = new Set([name]);
    const add = (dep) => {
      const pkg = byName.get(dep);
      if (!pkg) return;
      if (dep !== name && pkg.build) {
        hash.update(`dep ${dep} ${keyOf(dep, [...path, name])}\n`);
        return;
      }
      sources.add(dep);
      for (const next of [...pkg.deps].sort()) if (!sources.has(next)) add(next);
    };
    add(name);
    for (const source of [...sources].sort()) {
      const list = [...(files[source] ?? [])].sort((a, b) => (a.path < b.path ? -1 : 1));
      for (const f of list) hash.update(`${source} ${f.path} ${f.size} ${f.mtimeMs}\n`);
    }
    keys[name] = hash.digest('hex');
    return keys[name];
  };
  for (const pkg of packages) keyOf(pkg.name);
  return keys;
}

/**
 * The builds to run, in dependency order, for `targets` to be up to date: every package with a
 * build among the targets and what they depend on whose key is not the recorded one, or whose
 * `dist/` is missing or no longer what its last build wrote (`outputs[name]`: a fingerprint of
 * `dist/`, `null` when it is missing).
 */
export function staleBuilds({ packages, targets, keys, stamps, outputs }) {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const order = [];
  const visit = (name) => {
    const pkg = byName.get(name);
    if (!pkg || order.includes(name)) return;
    for (const dep of pkg.deps) visit(dep);
    if (pkg.build) order.push(name);
  };
  for (const target of targets) visit(target);
  return order.filter((name) => {
    const stamp = stamps[name];
    return !stamp || stamp.key !== keys[name] || !outputs[name] || stamp.outputs !== outputs[name];
  });
}

/** Every file under `dir` (relative paths), skipping `node_modules`, or `[]` when it is missing. */
function walk(dir, keep = () => true) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(dir, join(entry.parentPath, entry.name));
    if (!path.split(/[\\/]/).includes('node_modules') && keep(path)) found.push(path);
  }
  return found.sort();
}

/** The workspace's packages (pnpm-workspace.yaml's `packages:` list), with their folders. */
export function readWorkspace(root) {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...yaml.matchAll(/^\s+-\s+['"]?([^'"\s#]+)['"]?\s*$/gm)].map((m) => m[1]);
  const folders = globs.flatMap((glob) =>
    glob.endsWith('/*')
      ? readdirSync(join(root, glob.slice(0, -2)), { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => join(glob.slice(0, -2), e.name))
      : [glob],
  );
  return folders
    .filter((folder) => existsSync(join(root, folder, 'package.json')))
    .map((folder) => {
      const manifest = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8'));
      const deps = { ...manifest.dependencies, ...manifest.devDependencies };
      return {
        name: manifest.name,
        folder,
        build: typeof manifest.scripts?.build === 'string',
        deps: Object.keys(deps).filter((d) => String(deps[d]).startsWith('workspace:')),
      };
    });
}

const stat = (path, file) => {
  const { size, mtimeMs } = statSync(join(path, file));
  return { path: file, size, mtimeMs };
};

/** A package's own inputs: `src/` without test files, and its build configuration. */
export function inputsOf(root, folder) {
  const dir = join(root, folder);
  const sources = walk(join(dir, 'src'), (p) => !/\.test\.[cm]?[jt]sx?$/.test(p));
  const configs = readdirSync(dir).filter((f) => CONFIG_FILE.test(f));
  return [...sources.map((p) => stat(dir, join('src', p))), ...configs.map((f) => stat(dir, f))];
}

/** What `dist/` holds (paths and sizes), as one string; `null` when it is missing or empty. */
export function outputsOf(dir) {
  const files = walk(join(dir, 'dist'));
  if (files.length === 0) return null;
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file} ${statSync(join(dir, 'dist', file)).size}\n`);
  return hash.digest('hex');
}

/** How to run pnpm: the one running this script (`npm_execpath`), else `pnpm` on the PATH. */
function pnpmCommand(env = process.env) {
  const path = env.npm_execpath;
  if (!path || !basename(path).startsWith('pnpm')) return ['pnpm'];
  return /\.[cm]?js$/.test(path) ? [process.execPath, path] : [path];
}

function runBuilds(root, names) {
  const [command, ...first] = pnpmCommand();
  const args = [...first, ...names.flatMap((n) => ['--filter', n]), 'run', 'build'];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    // Stopped while building: the build stops too (Ctrl-C reaches it anyway, a kill does not).
    const stop = (signal) => child.kill(signal);
    process.once('SIGINT', stop).once('SIGTERM', stop);
    const settle = (error) => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      if (error) reject(error);
      else resolve();
    };
    child.once('error', settle);
    child.once('exit', (code, signal) =>
      settle(
        code === 0
          ? undefined
          : new Error(`the build of ${names.join(', ')} ${signal ? 'was stopped' : 'failed'}`),
      ),
    );
  });
}

/**
 * Builds what `targets` need that is not up to date, in dependency order, and records each
 * build's key in `node_modules/.cache/ringkit/builds.json`. `run` runs the builds (pnpm
 * `--filter … run build` by default).
 */
export async function ensureBuilt(root, targets, { run = runBuilds, log = console.log } = {}) {
  const workspace = readWorkspace(root);
  const rootInputs = ROOT_INPUTS.filter((f) => existsSync(join(root, f))).map((f) => stat(root, f));
  const files = Object.fromEntries(
    workspace.map((p) => [p.name, [...inputsOf(root, p.folder), ...rootInputs]]),
  );
  const keys = buildKeys(workspace, files);
  const stampsFile = join(root, 'node_modules', '.cache', 'ringkit', 'builds.json');
  let stamps = {};
  try {
    stamps = JSON.parse(readFileSync(stampsFile, 'utf8'));
  } catch {
    // no build recorded yet
  }
  const folderOf = new Map(workspace.map((p) => [p.name, join(root, p.folder)]));
  const outputs = Object.fromEntries(
    workspace.map((p) => [p.name, outputsOf(folderOf.get(p.name))]),
  );
  const stale = staleBuilds({ packages: workspace, targets, keys, stamps, outputs });
  if (stale.length === 0) return [];
  log(`ringkit: building ${stale.join(', ')} (changed since the last build)`);
  const save = (next) => {
    mkdirSync(dirname(stampsFile), { recursive: true });
    writeFileSync(stampsFile, `${JSON.stringify(next, null, 2)}\n`);
  };
  // A build that fails half-way leaves its dist/ as it is: never recorded as up to date.
  for (const name of stale) delete stamps[name];
  save(stamps);
  await run(root, stale);
  for (const name of stale) {
    stamps[name] = { key: keys[name], outputs: outputsOf(folderOf.get(name)) };
  }
  save(stamps);
  return stale;
}

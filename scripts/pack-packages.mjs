// `pnpm pack:packages [folder]`: builds the publishable packages and packs each into a tarball as
// the next release will publish it: the version `changeset version` will give it, and the
// versions of the other @ringkit packages it depends on likewise. Writes them to `folder`
// (`packed/` by default) and prints the `npm install` line that installs them into another
// project. Until the first release, that is how the packages are used outside this repository.
// tests/packed/check.mjs installs and uses exactly these tarballs.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folders of the publishable packages, under packages/. */
export const PUBLISHABLE = ['call-client', 'dialer', 'scheduler-core', 'simulator'];

/** The dependency fields that may name another @ringkit package. */
const DEPENDENCY_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'];

const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

/**
 * Each publishable package's version once the pending changesets are applied (its current one
 * when none names it), as `changeset status` computes it: package name → version.
 */
export function nextVersions(root) {
  const work = mkdtempSync(join(tmpdir(), 'ringkit-versions-'));
  try {
    const output = join(work, 'status.json');
    run(join(root, 'node_modules', '.bin', 'changeset'), ['status', `--output=${output}`], root);
    const { releases } = JSON.parse(readFileSync(output, 'utf8'));
    const versions = new Map();
    for (const folder of PUBLISHABLE) {
      const { name, version } = manifestOf(join(root, 'packages', folder));
      const release = releases.find((r) => r.name === name);
      versions.set(name, release ? release.newVersion : version);
    }
    return versions;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const manifestOf = (folder) => JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));

/**
 * `manifest` (a packed package.json) at the versions of `versions`: its own, and the range of
 * each @ringkit package it depends on moved to that package's version, its operator kept.
 */
export function atVersions(manifest, versions) {
  const next = { ...manifest, version: versions.get(manifest.name) ?? manifest.version };
  for (const field of DEPENDENCY_FIELDS) {
    const deps = manifest[field];
    if (!deps) continue;
    next[field] = Object.fromEntries(
      Object.entries(deps).map(([name, range]) => {
        const version = versions.get(name);
        if (version === undefined) return [name, range];
        const operator = /^[\^~]?/.exec(range)[0];
        return [name, `${operator}${version}`];
      }),
    );
  }
  return next;
}

/**
 * Packs every publishable package (built already) as `pnpm publish` would, at `versions`, into
 * `destination`; resolves to the tarballs' paths, in PUBLISHABLE's order.
 */
export function packPackages(root, destination, versions = nextVersions(root)) {
  mkdirSync(destination, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'ringkit-pack-'));
  try {
    return PUBLISHABLE.map((folder) => {
      const packed = join(work, folder);
      mkdirSync(packed);
      run('pnpm', ['pack', '--pack-destination', packed], join(root, 'packages', folder));
      const [tarball] = readdirSync(packed).filter((file) => file.endsWith('.tgz'));
      if (!tarball) throw new Error(`pnpm pack wrote no tarball for packages/${folder}`);
      run('tar', ['-xzf', tarball], packed);
      const path = join(packed, 'package', 'package.json');
      const manifest = atVersions(JSON.parse(readFileSync(path, 'utf8')), versions);
      writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
      const name = `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`;
      const out = join(destination, name);
      run('tar', ['-czf', out, 'package'], packed);
      return out;
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const destination = resolve(process.argv[2] ?? join(root, 'packed'));
  if (existsSync(destination)) {
    for (const file of readdirSync(destination).filter((f) => /^ringkit-.*\.tgz$/.test(f))) {
      rmSync(join(destination, file));
    }
  }
  console.log('building the packages…');
  execFileSync('pnpm', ['-r', '--filter', './packages/*', 'run', 'build'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tarballs = packPackages(root, destination);
  console.log(`packed into ${destination}:`);
  for (const tarball of tarballs) console.log(`  ${tarball.slice(destination.length + 1)}`);
  console.log(
    '\nInstall them into another project together (each finds the others it depends on):\n',
  );
  console.log(`  npm install ${tarballs.join(' ')}`);
}

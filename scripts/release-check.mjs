// The release's first step, `pnpm version-packages` (`changeset version`), run on a copy of the
// workspace's manifests and changesets: it must consume every pending changeset, give each
// publishable package the version `pnpm pack:packages` packs it at, move the @ringkit ranges
// between them along, and write each one's CHANGELOG.md entry. The second step's dry run is
// `pnpm check:publish`. RELEASING.md gives the steps.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { atVersions, nextVersions, PUBLISHABLE } from './pack-packages.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'ringkit-release-'));
const read = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** The workspace's folders that have a manifest: packages/*, apps/*, bench. */
const folders = [
  ...['packages', 'apps'].flatMap((parent) =>
    readdirSync(join(root, parent)).map((name) => join(parent, name)),
  ),
  'bench',
].filter((folder) => existsSync(join(root, folder, 'package.json')));

// The packed manifests' rewrite: own version, @ringkit ranges with their operators, others kept.
assert.deepEqual(
  atVersions(
    {
      name: '@ringkit/dialer',
      version: '0.0.0',
      dependencies: { '@ringkit/call-client': '^0.0.0', zod: '^4.0.0' },
      peerDependencies: { '@ringkit/scheduler-core': '0.0.0' },
    },
    new Map([
      ['@ringkit/dialer', '0.2.0'],
      ['@ringkit/call-client', '0.1.1'],
      ['@ringkit/scheduler-core', '1.0.0'],
    ]),
  ),
  {
    name: '@ringkit/dialer',
    version: '0.2.0',
    dependencies: { '@ringkit/call-client': '^0.1.1', zod: '^4.0.0' },
    peerDependencies: { '@ringkit/scheduler-core': '1.0.0' },
  },
);

try {
  const expected = nextVersions(root);
  for (const file of ['package.json', 'pnpm-workspace.yaml'])
    cpSync(join(root, file), join(work, file));
  cpSync(join(root, '.changeset'), join(work, '.changeset'), { recursive: true });
  for (const folder of folders) {
    mkdirSync(join(work, folder), { recursive: true });
    for (const file of ['package.json', 'CHANGELOG.md']) {
      if (existsSync(join(root, folder, file)))
        cpSync(join(root, folder, file), join(work, folder, file));
    }
  }
  const pending = readdirSync(join(work, '.changeset')).filter(
    (file) => file.endsWith('.md') && file !== 'README.md',
  );
  execFileSync(join(root, 'node_modules', '.bin', 'changeset'), ['version'], {
    cwd: work,
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  const problems = [];
  const left = readdirSync(join(work, '.changeset')).filter(
    (file) => file.endsWith('.md') && file !== 'README.md',
  );
  if (left.length > 0) problems.push(`changesets not consumed: ${left.join(', ')}`);
  for (const folder of PUBLISHABLE) {
    const manifest = read(join(work, 'packages', folder, 'package.json'));
    const want = expected.get(manifest.name);
    if (manifest.version !== want) {
      problems.push(`${manifest.name}: version ${manifest.version}, packed at ${want}`);
    }
    for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
      if (expected.has(name) && !range.startsWith('workspace:')) {
        problems.push(
          `${manifest.name}: depends on ${name} as ${range}, not through the workspace`,
        );
      }
    }
    const changelog = join(work, 'packages', folder, 'CHANGELOG.md');
    if (
      pending.length > 0 &&
      want !== read(join(root, 'packages', folder, 'package.json')).version
    ) {
      if (!existsSync(changelog) || !readFileSync(changelog, 'utf8').includes(`## ${want}`)) {
        problems.push(`${manifest.name}: CHANGELOG.md has no entry for ${want}`);
      }
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `the release's version step would not do what it should:\n  ${problems.join('\n  ')}`,
    );
  }
  console.log(
    `release check: changeset version consumes ${pending.length} changesets, giving ${[...expected]
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

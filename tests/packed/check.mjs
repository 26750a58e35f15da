// Packs the publishable packages, installs the tarballs into a fresh project outside the
// workspace, and uses them there as a user would, through `import` and through `require`:
// calls placed on both provider flavours, a dialer run through Express webhooks, and a call
// scheduled on SQLite, all against the simulator; then the same packages traced, once
// @opentelemetry/api and its SDK are installed beside them; then their types as a TypeScript user
// gets them (types.mjs: declaration files that stand alone, consumer.ts type-checked under NodeNext
// and Bundler); then runs every README's code blocks there (readme.mjs). Exits non-zero on the
// first failure.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PUBLISHABLE, packPackages } from '../../scripts/pack-packages.mjs';
import { checkDocumented } from './documented.mjs';
import { typecheckExamples } from './examples-types.mjs';
import { checkDeclarations, typecheckConsumer } from './types.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const here = dirname(fileURLToPath(import.meta.url));
const packages = PUBLISHABLE;
const manifest = (folder) => JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8'));
// What a TypeScript user adds: the compiler and Node's types at the workspace's versions, and the
// types of every typed peer (`@types/pg` for the PostgreSQL store).
const typescriptTools = [
  `typescript@${manifest('.').devDependencies.typescript}`,
  `@types/node@${manifest('.').devDependencies['@types/node']}`,
  ...packages.flatMap((name) => {
    const { peerDependencies = {}, devDependencies = {} } = manifest(join('packages', name));
    return Object.keys(peerDependencies)
      .filter((peer) => peer.startsWith('@types/'))
      .map((peer) => `${peer}@${devDependencies[peer] ?? peerDependencies[peer]}`);
  }),
];
/** The newest TypeScript major, checked beside the workspace's own version. */
const NEWEST_TYPESCRIPT = '7';
const work = mkdtempSync(join(tmpdir(), 'ringkit-packed-'));
const keep = process.env.KEEP_PACKED === '1';

function run(command, args, cwd) {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
}

/** npm, not the workspace's pnpm: a project of its own, nothing linked back to the sources. */
function npmInstall(project, packages) {
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packages], project);
}

try {
  // The tarballs `pnpm pack:packages` makes: at the versions of the next release.
  const tarballs = join(work, 'tarballs');
  packPackages(root, tarballs);
  const files = readdirSync(tarballs).filter((file) => file.endsWith('.tgz'));
  if (files.length !== packages.length) throw new Error(`expected ${packages.length} tarballs`);
  console.log(`packed: ${files.join(', ')}`);

  const project = join(work, 'project');
  run('mkdir', ['-p', project], work);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'ringkit-packed-check', private: true, version: '1.0.0' }, null, 2),
  );
  npmInstall(project, [
    ...files.map((file) => join(tarballs, file)),
    'express@5',
    'msw@3',
    'pg@8',
    // The optional peer of the scheduler's calling hours in the callee's time zones.
    'libphonenumber-geo-carrier@2',
  ]);
  for (const script of ['checks.mjs', 'use.mjs', 'use.cjs'])
    copyFileSync(join(here, script), join(project, script));

  for (const script of ['use.mjs', 'use.cjs']) {
    execFileSync(process.execPath, [script], { cwd: project, stdio: 'inherit', timeout: 60_000 });
  }
  console.log('packed packages: every check passed through import and require');

  // Then with the optional peer @opentelemetry/api and an SDK, as an application adds them (and
  // TypeScript, for the type checks that follow).
  npmInstall(project, [
    '@opentelemetry/api@1',
    '@opentelemetry/sdk-trace@3',
    '@opentelemetry/context-async-hooks@3',
    ...typescriptTools,
    // Express's types, which a TypeScript user of the Express adapters adds.
    `@types/express@${manifest('apps/demo').devDependencies['@types/express']}`,
  ]);
  for (const script of ['traced-checks.mjs', 'traced.mjs', 'traced.cjs'])
    copyFileSync(join(here, script), join(project, script));
  for (const script of ['traced.mjs', 'traced.cjs']) {
    execFileSync(process.execPath, [script], { cwd: project, stdio: 'inherit', timeout: 60_000 });
  }

  // The types: nothing private named, and a strict consumer that compiles.
  const names = packages.map((name) => `@ringkit/${name}`);
  checkDeclarations(project, names);
  await typecheckConsumer(project, names);
  // What each entry exports, and nothing more, is documented on its reference page.
  checkDocumented(project, root, packages);
  // Every example of the documentation type-checks against the same installed packages.
  await typecheckExamples(project, root);

  // Every README's code, against the same installed packages.
  execFileSync(process.execPath, [join(here, 'readme.mjs'), root, project], {
    stdio: 'inherit',
    timeout: 300_000,
  });

  // The same strict consumer compiled by the newest TypeScript major as well (the workspace's
  // own version is checked above; its language service, which checkDocumented reads, is done).
  npmInstall(project, [`typescript@${NEWEST_TYPESCRIPT}`]);
  await typecheckConsumer(project, names);
  const { version } = JSON.parse(
    readFileSync(join(project, 'node_modules/typescript/package.json'), 'utf8'),
  );
  console.log(`packed packages: the consumer compiles with TypeScript ${version} too`);
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}

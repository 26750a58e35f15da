#!/usr/bin/env node
/**
 * The import rules eslint's `import-x/no-cycle` cannot state, checked over every package's and
 * app's sources (tests excluded):
 *
 * - no import circle, `import type` and `export … from` included: a circle of types alone still
 *   ties two parts so that neither can change, or move, without the other;
 * - the engine knows only the store contract: nothing under scheduler-core's `src/campaign/` or
 *   `src/dispatch/` imports from `src/stores/`, where each driver keeps its own statements.
 *
 * Imports are read by TypeScript's own scanner (`ts.preProcessFile`), each relative specifier
 * resolved as tsc resolves it (`./x.js` is `./x.ts`, a folder its `index.ts`). It first checks
 * itself on a tree made to break the rules (`selfCheck`), then prints each breach of the
 * repository and exits 1, or prints nothing and exits 0.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where each rule of the engine's layers applies: importer folder → folders it may not import. */
const LAYERS = [
  {
    from: ['packages/scheduler-core/src/campaign/', 'packages/scheduler-core/src/dispatch/'],
    not: 'packages/scheduler-core/src/stores/',
    why: 'the engine imports only the Store contract (src/store.ts); statements live in src/stores/<driver>/',
  },
];

/** The source files of a tree, tests and declaration files left out. */
function sources(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.ts$/.test(name) && !/\.(test|test-d|d)\.ts$/.test(name)) out.push(path);
  }
  return out;
}

/** The file a relative specifier names, or `null` when it names none. */
function resolveSpecifier(from, specifier) {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [
    base.replace(/\.js$/, '.ts'),
    `${base}.ts`,
    join(base, 'index.ts'),
    base.replace(/\.mjs$/, '.mts'),
  ]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** Every relative import of `file`, types included. */
function importsOf(file) {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((ref) => ref.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => resolveSpecifier(file, name))
    .filter((path) => path !== null);
}

/** The strongly connected components of more than one file (Tarjan), each a circle. */
function circles(graph) {
  let index = 0;
  const stack = [];
  const on = new Set();
  const indexOf = new Map();
  const low = new Map();
  const found = [];
  const visit = (node) => {
    indexOf.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    on.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (on.has(next)) {
        low.set(node, Math.min(low.get(node), indexOf.get(next)));
      }
    }
    if (low.get(node) === indexOf.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        on.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);
  return found;
}

/** Every breach of the rules in the repository (or a tree laid out like it) at `base`. */
function breachesIn(base) {
  const trees = [
    ...readdirSync(join(base, 'packages')).map((name) => join(base, 'packages', name, 'src')),
    ...(existsSync(join(base, 'apps'))
      ? readdirSync(join(base, 'apps')).map((name) => join(base, 'apps', name, 'src'))
      : []),
  ].filter((dir) => existsSync(dir));
  const breaches = [];
  for (const tree of trees) {
    const graph = new Map();
    for (const file of sources(tree)) graph.set(file, importsOf(file));
    for (const circle of circles(graph)) {
      breaches.push(
        `import circle (types included) among:\n${circle.map((f) => `  ${relative(base, f)}`).join('\n')}`,
      );
    }
    for (const [file, imports] of graph) {
      const from = relative(base, file);
      for (const layer of LAYERS) {
        if (!layer.from.some((prefix) => from.startsWith(prefix))) continue;
        for (const target of imports) {
          const to = relative(base, target);
          if (to.startsWith(layer.not)) breaches.push(`${from} imports ${to}: ${layer.why}`);
        }
      }
    }
  }
  return breaches;
}

/**
 * The rules first break a tree made to break them (a circle of `import type` alone, a value
 * circle through `export … from`, and the engine importing a driver's file) and one made to
 * keep them: a check that stopped finding breaches would pass every repository.
 */
function selfCheck() {
  const dir = mkdtempSync(join(tmpdir(), 'import-rules-'));
  try {
    const write = (path, text) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    write(
      'packages/a/src/one.ts',
      "import type { Two } from './two.js';\nexport type One = Two;\n",
    );
    write(
      'packages/a/src/two.ts',
      "import type { One } from './one.js';\nexport type Two = One[];\n",
    );
    write(
      'packages/a/src/three.ts',
      "export { four } from './four.js';\nexport const three = 3;\n",
    );
    write(
      'packages/a/src/four.ts',
      "import { three } from './three.js';\nexport const four = three;\n",
    );
    write('packages/a/src/ok.ts', "import { four } from './four.js';\nexport const ok = four;\n");
    write('packages/a/src/one.test.ts', "import { ok } from './ok.js';\nimport './one.test.js';\n");
    write(
      'packages/scheduler-core/src/dispatch/_x.ts',
      "import type { Y } from '../stores/sqlite/_y.js';\nexport type X = Y;\n",
    );
    write('packages/scheduler-core/src/stores/sqlite/_y.ts', 'export type Y = 1;\n');
    write(
      'packages/scheduler-core/src/campaign/_z.ts',
      "import type { W } from '../store.js';\nexport type Z = W;\n",
    );
    write('packages/scheduler-core/src/store.ts', 'export type W = 1;\n');
    const found = breachesIn(dir);
    const expected = [
      'import circle (types included) among:\n  packages/a/src/one.ts\n  packages/a/src/two.ts',
      'import circle (types included) among:\n  packages/a/src/four.ts\n  packages/a/src/three.ts',
      'packages/scheduler-core/src/dispatch/_x.ts imports packages/scheduler-core/src/stores/sqlite/_y.ts',
    ];
    const missing = expected.filter((text) => !found.some((line) => line.startsWith(text)));
    if (missing.length > 0 || found.length !== expected.length) {
      console.error(`import-rules: its own check failed; found:\n${found.join('\n')}`);
      process.exit(1);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

selfCheck();
const breaches = breachesIn(root);
if (breaches.length > 0) {
  console.error(breaches.join('\n'));
  process.exit(1);
}

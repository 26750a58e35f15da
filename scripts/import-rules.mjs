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
 * resolved as tsc resolves it (`./x.js` is `./x.ts`, a folder its `index.ts`). Prints each
 * breach and exits 1, or prints nothing and exits 0.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

const trees = [
  ...readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name, 'src')),
  ...readdirSync(join(root, 'apps')).map((name) => join(root, 'apps', name, 'src')),
].filter((dir) => existsSync(dir));

const breaches = [];
for (const tree of trees) {
  const graph = new Map();
  for (const file of sources(tree)) graph.set(file, importsOf(file));
  for (const circle of circles(graph)) {
    breaches.push(
      `import circle (types included) among:\n${circle.map((f) => `  ${relative(root, f)}`).join('\n')}`,
    );
  }
  for (const [file, imports] of graph) {
    const from = relative(root, file);
    for (const layer of LAYERS) {
      if (!layer.from.some((prefix) => from.startsWith(prefix))) continue;
      for (const target of imports) {
        const to = relative(root, target);
        if (to.startsWith(layer.not)) breaches.push(`${from} imports ${to}: ${layer.why}`);
      }
    }
  }
}

if (breaches.length > 0) {
  console.error(breaches.join('\n'));
  process.exit(1);
}

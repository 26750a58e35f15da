// The packages' types as a TypeScript user gets them from the tarballs:
// - every declaration file names only what a user installs: the package itself, its dependencies
//   and peer dependencies, Node's built-ins and files of its own; never @ringkit/internal or any
//   other package the workspace keeps to itself;
// - consumer.ts, which imports every public entry of every package, type-checks with `strict` and
//   `skipLibCheck: false` under NodeNext (as an ES module and as CommonJS, so both the `.d.ts` and
//   the `.d.cts` files are read) and under Bundler.
// Each check throws with what it found (tsc's own output for the type checks).
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const DECLARATION = /\.d\.[cm]?ts$/;
/** Module specifiers of import and export statements, `import('…')` types and type references. */
const SPECIFIERS = [
  /^\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/gm,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\/\/\/\s*<reference\s+types\s*=\s*['"]([^'"]+)['"]/g,
];

function declarationFiles(folder) {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && DECLARATION.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The npm package a bare specifier names: `@scope/name` or `name`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Throws when a declaration file of an installed package names a package a user does not get. */
export function checkDeclarations(project, names) {
  const problems = [];
  let files = 0;
  for (const name of names) {
    const folder = join(project, 'node_modules', name);
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
    const allowed = new Set([
      manifest.name,
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    for (const file of declarationFiles(folder)) {
      files += 1;
      const text = readFileSync(file, 'utf8');
      const where = relative(join(project, 'node_modules'), file);
      if (text.includes('@ringkit/internal')) problems.push(`${where} names @ringkit/internal`);
      for (const pattern of SPECIFIERS) {
        for (const [, specifier] of text.matchAll(pattern)) {
          if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
          if (builtinModules.includes(specifier) || allowed.has(packageOf(specifier))) continue;
          problems.push(
            `${where} imports '${specifier}', not a dependency or peer dependency of ${name}`,
          );
        }
      }
    }
  }
  if (files === 0) throw new Error('no declaration file in the installed packages');
  if (problems.length > 0) {
    throw new Error(`declaration files that do not stand alone:\n${problems.join('\n')}`);
  }
  console.log(`types: ${files} declaration files name only what their package.json lists`);
}

/** Every entry of every package's exports map (`./package.json` aside), as a user imports it. */
function publicEntries(project, names) {
  return names.flatMap((name) => {
    const manifest = JSON.parse(
      readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8'),
    );
    return Object.keys(manifest.exports)
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? name : `${name}/${key.slice(2)}`));
  });
}

/** Runs the project's tsc on `config`; resolves with its exit code and output. */
export function tsc(project, config) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(project, 'node_modules/typescript/bin/tsc'), '-p', config],
      { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * Type-checks consumer.ts in `project` (where typescript, @types/node and the packages' typed
 * peers are installed) under NodeNext and under Bundler; throws with tsc's output when either
 * fails, or when consumer.ts leaves out a public entry.
 */
export async function typecheckConsumer(project, names) {
  const source = readFileSync(join(here, 'consumer.ts'), 'utf8');
  const missing = publicEntries(project, names).filter(
    (entry) => !source.includes(`from '${entry}'`),
  );
  if (missing.length > 0) {
    throw new Error(`consumer.ts does not import these public entries: ${missing.join(', ')}`);
  }
  const folder = join(project, 'consumer');
  mkdirSync(folder, { recursive: true });
  // The extension decides the module format under NodeNext: `.mts` imports (`.d.ts`), `.cts`
  // requires (`.d.cts`).
  copyFileSync(join(here, 'consumer.ts'), join(folder, 'consumer.mts'));
  copyFileSync(join(here, 'consumer.ts'), join(folder, 'consumer.cts'));
  const compilerOptions = {
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    target: 'ES2023',
    // msw's own types need the DOM's.
    lib: ['ES2023', 'DOM', 'DOM.Iterable'],
    types: ['node'],
  };
  const configs = {
    'NodeNext (ESM and CommonJS)': {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      files: ['consumer.mts', 'consumer.cts'],
    },
    'Bundler (module ESNext)': {
      module: 'ESNext',
      moduleResolution: 'Bundler',
      files: ['consumer.mts'],
    },
  };
  const results = await Promise.all(
    Object.entries(configs).map(([label, { files, ...resolution }], i) => {
      const config = join(folder, `tsconfig.${i}.json`);
      writeFileSync(
        config,
        JSON.stringify({ compilerOptions: { ...compilerOptions, ...resolution }, files }, null, 2),
      );
      return tsc(project, config).then((result) => ({ label, ...result }));
    }),
  );
  const failed = results.filter((result) => result.code !== 0);
  if (failed.length > 0) {
    throw new Error(
      failed
        .map(({ label, output }) => `tsc --noEmit under ${label} failed:\n${output.trim()}`)
        .join('\n\n'),
    );
  }
  console.log(
    `types: consumer.ts type-checks (strict, skipLibCheck: false) under ${Object.keys(configs).join(' and ')}`,
  );
}

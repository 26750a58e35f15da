// Each public entry of each installed package exports only what the package's reference page
// documents: every name an entry exports (values and types, as TypeScript's checker lists the
// exports of its declaration file) must appear in docs/reference/<folder>.md as code (`name`, or in a code block). Run from
// check.mjs with the project where the tarballs and typescript are installed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The names `entry` (a specifier such as `@ringkit/dialer`) exports, read from its `.d.ts`. */
function exportedNames(ts, project, entry) {
  const file = join(project, 'consumer', `documented-${entry.replace(/[@/]/g, '_')}.mts`);
  const host = ts.createCompilerHost({});
  const source = `export * from '${entry}';\n`;
  const program = ts.createProgram({
    rootNames: [file],
    options: {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    },
    host: {
      ...host,
      getSourceFile: (name, version) =>
        name === file
          ? ts.createSourceFile(name, source, version)
          : host.getSourceFile(name, version),
      fileExists: (name) => name === file || host.fileExists(name),
      readFile: (name) => (name === file ? source : host.readFile(name)),
      getCurrentDirectory: () => project,
    },
  });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(file));
  if (!module) throw new Error(`${entry}: no module symbol`);
  return checker.getExportsOfModule(module).map((symbol) => symbol.getName());
}

/** Inline code spans and fenced blocks of a page: where a documented name is written. */
function codeOf(markdown) {
  const fenced = [...markdown.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]);
  const inline = [...markdown.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)].map(
    (m) => m[1],
  );
  return [...fenced, ...inline].join('\n');
}

/**
 * Throws, listing every undocumented export, when an entry of `names` (installed in `project`)
 * exports a name its package's reference page (`root/docs/reference/<folder>.md`) never writes
 * as code.
 */
export function checkDocumented(project, root, packages) {
  const ts = createRequire(join(project, 'package.json'))('typescript');
  const problems = [];
  let count = 0;
  for (const folder of packages) {
    const name = `@ringkit/${folder}`;
    const manifest = JSON.parse(
      readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8'),
    );
    const code = codeOf(readFileSync(join(root, 'docs', 'reference', `${folder}.md`), 'utf8'));
    for (const key of Object.keys(manifest.exports).filter((key) => key !== './package.json')) {
      const entry = key === '.' ? name : `${name}/${key.slice(2)}`;
      for (const exported of exportedNames(ts, project, entry)) {
        count += 1;
        if (!new RegExp(`\\b${exported}\\b`).test(code)) problems.push(`${entry}: ${exported}`);
      }
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `exported but not on their package's reference page (as code):\n  ${problems.join('\n  ')}`,
    );
  }
  console.log(
    `documented: all ${count} exports of ${packages.length} packages are on their reference pages`,
  );
}

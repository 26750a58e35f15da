// `pnpm api-reference [--check]`: writes, in each publishable package's page of the documentation
// (`docs/reference/<folder>.md`), the table of
// everything each public entry exports, between the markers
// `<!-- api-reference: start -->` and `<!-- api-reference: end -->`. Each row is an export's name,
// its kind and the first sentence of its doc comment, read with TypeScript's checker from the
// entry's sources (the `@ringkit/source` condition of the exports map). With `--check` it writes
// nothing and fails when a page is not what it would write, or when an export has no doc comment.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const ts = require('typescript');
const prettier = (await import(require.resolve('prettier'))).default;
const START = '<!-- api-reference: start -->';
const END = '<!-- api-reference: end -->';
const check = process.argv.includes('--check');

function kindOf(symbol) {
  const f = symbol.flags;
  if (f & ts.SymbolFlags.Class) return 'class';
  if (f & ts.SymbolFlags.Function) return 'function';
  if (f & ts.SymbolFlags.Value) return 'constant';
  return 'type';
}

/** The first sentence of a doc comment, on one line, its `{@link x}` tags as code. */
function firstSentence(text) {
  const flat = text
    .replace(/\{@link\s+([^}\s|]+)[^}]*\}/g, '`$1`')
    .replace(/\s+/g, ' ')
    .trim();
  const end = flat.search(/[.:;](\s|$)/);
  const sentence = end === -1 ? flat : flat.slice(0, end);
  return sentence ? `${sentence.replace(/\|/g, '\\|')}.` : '';
}

function entryExports(program, file) {
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(file));
  return checker
    .getExportsOfModule(module)
    .map((symbol) => {
      const target =
        symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const doc = ts.displayPartsToString(target.getDocumentationComment(checker));
      return { name: symbol.getName(), kind: kindOf(target), doc: firstSentence(doc) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

const problems = [];
for (const folder of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', folder);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (manifest.private) continue;
  const entries = Object.entries(manifest.exports)
    .filter(([key]) => key !== './package.json')
    .map(([key, target]) => ({
      specifier: key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`,
      file: join(dir, target['@ringkit/source']),
    }));
  const config = ts.getParsedCommandLineOfConfigFile(join(dir, 'tsconfig.json'), {}, ts.sys);
  const program = ts.createProgram({
    rootNames: entries.map((entry) => entry.file),
    options: { ...config.options, noEmit: true },
  });
  const sections = entries.map(({ specifier, file }) => {
    const rows = entryExports(program, file).map(({ name, kind, doc }) => {
      if (!doc) problems.push(`${specifier}: ${name} has no doc comment`);
      return `| \`${name}\` | ${kind} | ${doc} |`;
    });
    return [
      `### \`${specifier}\``,
      '',
      '| export | kind | what it is |',
      '| --- | --- | --- |',
      ...rows,
    ].join('\n');
  });
  const readmePath = join(root, 'docs', 'reference', `${folder}.md`);
  const readme = readFileSync(readmePath, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end < start) {
    problems.push(`${manifest.name}: docs/reference/${folder}.md has no ${START} … ${END} section`);
    continue;
  }
  const body = `${START}\n\n${sections.join('\n\n')}\n\n${END}`;
  // Formatted as Prettier (which CI runs over every file) formats it.
  const next = await prettier.format(
    readme.slice(0, start) + body + readme.slice(end + END.length),
    {
      ...(await prettier.resolveConfig(readmePath)),
      filepath: readmePath,
    },
  );
  if (next === readme) continue;
  if (check)
    problems.push(
      `${manifest.name}: docs/reference/${folder}.md is out of date (run pnpm api-reference)`,
    );
  else writeFileSync(readmePath, next);
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exitCode = 1;
}

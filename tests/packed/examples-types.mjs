// Every TypeScript and JavaScript example of the documentation (docs/, the root README and each
// package's README) type-checks, `strict`, against the packages as a user installs them: each
// block is a module of its own in `<project>/examples`, compiled by tsc under NodeNext, so an
// example that names an option, an event or a field the types do not have fails the run, as
// readme.mjs fails one that does not run. A block marked `<!-- readme-test: skip: … -->` is a
// fragment and is left out here too.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tsc } from './types.mjs';

/** The files whose examples are checked, relative to the repository's root. */
export function documentedFiles(root) {
  const pages = readdirSync(join(root, 'docs'), { recursive: true })
    .filter((file) => file.endsWith('.md') && !file.startsWith('.vitepress'))
    .map((file) => `docs/${file}`);
  const readmes = readdirSync(join(root, 'packages')).map((name) => `packages/${name}/README.md`);
  return ['README.md', ...readmes, ...pages].sort();
}

/** The TypeScript and JavaScript blocks of `text`, each with the line its fence opens on. */
export function codeBlocks(text) {
  const found = [];
  const fence =
    /(?:<!--\s*readme-test:\s*([^>]*?)\s*-->\s*\n)?```(ts|typescript|js|javascript|mjs)\n([\s\S]*?)```/g;
  for (let match; (match = fence.exec(text));) {
    if ((match[1] ?? '').startsWith('skip')) continue;
    const start = match.index + match[0].indexOf('```');
    found.push({ line: text.slice(0, start).split('\n').length, code: match[3] });
  }
  return found;
}

/** Type-checks every example in `project`; throws with tsc's output naming each failing block. */
export async function typecheckExamples(project, root) {
  const folder = join(project, 'examples');
  mkdirSync(folder, { recursive: true });
  const files = [];
  for (const file of documentedFiles(root)) {
    let text;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      continue; // a package folder without a README
    }
    for (const { line, code } of codeBlocks(text)) {
      const name = `${file.replace(/[/.]/g, '_')}_${line}.mts`;
      writeFileSync(join(folder, name), code);
      files.push(name);
    }
  }
  // The check fails what it should: this block, an option the types do not have, must be refused.
  const selfCheck = 'self-check.mts';
  writeFileSync(
    join(folder, selfCheck),
    "import { createScheduler } from '@ringkit/scheduler-core';\ncreateScheduler({ nope: 1 });\n",
  );
  files.push(selfCheck);
  const config = join(folder, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          target: 'ES2023',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          // msw's own types need the DOM's.
          lib: ['ES2023', 'DOM', 'DOM.Iterable'],
          types: ['node'],
        },
        files,
      },
      null,
      2,
    ),
  );
  const { output } = await tsc(project, config);
  const errors = output.split('\n').filter((line) => /error TS\d+/.test(line));
  if (!errors.some((line) => line.includes(selfCheck))) {
    throw new Error(`the examples' type check let a bad block pass:\n${output.trim()}`);
  }
  const bad = errors.filter((line) => !line.includes(selfCheck));
  if (bad.length > 0) {
    throw new Error(
      `examples that do not type-check (examples/<file>_<line>.mts):\n${bad.join('\n')}`,
    );
  }
  console.log(`types: all ${files.length - 1} examples of the documentation type-check (strict)`);
}

// Run by `pnpm lint`: the documentation stays a site a person can finish. Each publishable
// package's README is what the package is, how to install it, one example and links into docs/
// (at most README_WORDS words, linking to its reference page); every page under docs/ is in the
// site's sidebar (no page only a search finds), and every sidebar link names a page that exists.
// Exits non-zero listing every problem.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const README_WORDS = 700;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const problems = [];

/** Words of prose and code in a Markdown file (a word: a run of non-space characters). */
function wordsOf(markdown) {
  return markdown.split(/\s+/).filter(Boolean).length;
}

for (const folder of readdirSync(join(root, 'packages')).sort()) {
  const manifest = JSON.parse(readFileSync(join(root, 'packages', folder, 'package.json'), 'utf8'));
  if (manifest.private) continue;
  const readme = readFileSync(join(root, 'packages', folder, 'README.md'), 'utf8');
  const words = wordsOf(readme);
  if (words > README_WORDS) {
    problems.push(`packages/${folder}/README.md has ${words} words (at most ${README_WORDS}):`);
    problems.push('  the rest belongs in docs/');
  }
  for (const heading of ['## Install', '## Example', '## Documentation']) {
    if (!readme.includes(`\n${heading}\n`)) {
      problems.push(`packages/${folder}/README.md has no "${heading}" section`);
    }
  }
  if (!readme.includes(`../../docs/reference/${folder}.md`)) {
    problems.push(`packages/${folder}/README.md does not link to docs/reference/${folder}.md`);
  }
}

const config = readFileSync(join(root, 'docs', '.vitepress', 'config.mts'), 'utf8');
const linked = new Set(
  [...config.matchAll(/link: '(\/[^']*)'/g)].map(([, link]) =>
    link.endsWith('/') ? `${link}index` : link,
  ),
);
const pages = readdirSync(join(root, 'docs'), { recursive: true })
  .filter((file) => file.endsWith('.md') && !file.startsWith('.vitepress'))
  .map((file) => `/${file.replace(/\.md$/, '')}`);
for (const page of pages) {
  if (page !== '/index' && !linked.has(page)) {
    problems.push(`docs${page}.md is not in the sidebar of docs/.vitepress/config.mts`);
  }
}
for (const link of linked) {
  if (!existsSync(join(root, 'docs', `${link}.md`))) {
    problems.push(`docs/.vitepress/config.mts links to ${link}, which is no page`);
  }
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}

// `pnpm test`, in three phases, stopping after the first in which a step failed: lint beside the
// typecheck (before any build: the workspace resolves to its sources); the build; then two lanes
// side by side, each stopping at its own first failure: the publishable packages' tests, and
// the demo's tests (unit, then the browser test) followed by the package checks and the packed
// tarballs. Neither lane fills both cores of a 2-core machine on its own (the browser test and
// the PostgreSQL tests wait on other processes), so side by side each takes a little longer
// than alone, and the two far less than one after the other. The last line is one summary,
// `tests: N passed, N failed, N skipped`, summed over every vitest run (a failed step that is not
// a test run counts as one failure).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { runPhases } from './lib/steps.mjs';
import { summaryLine } from './lib/summary.mjs';

const phases = [
  [['lint'], ['typecheck']],
  [['build']],
  [['test:packages'], ['test:demo', 'check:packages']],
];

/** What `git status` lists, or `null` outside a git checkout. */
function gitStatus() {
  try {
    const text = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return new Set(text.split('\n').filter(Boolean));
  } catch {
    return null;
  }
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const before = gitStatus();
let status = await runPhases(phases, totals);
// A test run writes nothing that git tracks (screenshots are refreshed by `pnpm screenshots`).
const after = gitStatus();
const dirtied = before && after ? [...after].filter((line) => !before.has(line)) : [];
if (status === 0 && dirtied.length > 0) {
  console.error(`\nThe test run changed files git tracks:\n${dirtied.join('\n')}`);
  totals.failed += 1;
  status = 1;
}
console.log(summaryLine(totals, { env: process.env, exists: existsSync }));
process.exit(status);

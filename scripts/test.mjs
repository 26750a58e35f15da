// `pnpm test`, in three phases, stopping after the first in which a step failed: lint beside the
// typecheck (before any build: the workspace resolves to its sources); the build beside the
// documentation site's (which fails on a dead link between its pages); then two lanes
// side by side: the publishable packages' tests, and the demo's unit tests, its browser test,
// the package checks and the packed tarballs, one after the other. Every step of the last phase
// runs even when one before it in its lane failed (each needs only the build). Neither lane
// fills both cores of a 2-core machine on its own (the browser test and the PostgreSQL tests
// wait on other processes), so side by side each takes a little longer than alone, and the two
// far less than one after the other. The last line is one summary, `tests: N passed, N failed,
// N skipped`, summed over every vitest run (a failed step that is not a test run counts as one
// failure), then what was skipped for want of something and which steps did not run, and why.
// `./scripts/pnpm test` runs this file itself, not through `pnpm run`, whose `ELIFECYCLE` line
// would come after the summary.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { runPhases } from './lib/steps.mjs';
import { summaryLine } from './lib/summary.mjs';

const phases = [
  [['lint'], ['typecheck']],
  [['build'], ['docs']],
  [['test:packages'], ['test:demo', 'test:e2e', 'check:packages']],
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
const steps = await runPhases(phases, totals);
let status = steps.code;
// A test run writes nothing that git tracks (screenshots are refreshed by `pnpm screenshots`).
const after = gitStatus();
const dirtied = before && after ? [...after].filter((line) => !before.has(line)) : [];
if (status === 0 && dirtied.length > 0) {
  console.error(`\nThe test run changed files git tracks:\n${dirtied.join('\n')}`);
  totals.failed += 1;
  status = 1;
}
console.log(
  summaryLine(totals, { env: process.env, exists: existsSync }, { all: phases.flat(2), ...steps }),
);
process.exit(status);

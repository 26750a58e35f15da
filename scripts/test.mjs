// `pnpm test`: lint, typecheck (before any build: the workspace resolves to its sources) and
// build, in that order, stopping at the first step that fails; then two lanes side by side, each
// stopping at its own first failure: the publishable packages' tests, and the demo's tests (unit,
// then the browser test) followed by the package checks and the packed tarballs. Neither lane
// fills both cores of a 2-core machine on its own (the browser test and the PostgreSQL tests
// wait on other processes), so together they take about the longer one's time, not the sum. The
// last line is one summary, `tests: N passed, N failed, N skipped`, summed over every vitest run
// (a failed step that is not a test run counts as one failure).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { summaryLine } from './lib/summary.mjs';

const steps = ['lint', 'typecheck', 'build'];
const lanes = [['test:packages'], ['test:demo', 'check:packages']];
const totals = { passed: 0, failed: 0, skipped: 0 };
// eslint-disable-next-line no-control-regex -- terminal colour codes
const ansi = /\x1b\[[0-9;]*m/g;

/** Adds the counts of vitest's `Tests  3 passed | 1 failed (4)` lines and the README runner's. */
function count(text) {
  let found = false;
  for (const line of text.replace(ansi, '').split('\n')) {
    const readme = /README blocks: (\d+) passed, (\d+) failed, (\d+) skipped/.exec(line);
    if (readme) {
      found = true;
      totals.passed += Number(readme[1]);
      totals.failed += Number(readme[2]);
      totals.skipped += Number(readme[3]);
      continue;
    }
    const match = /^\S*.*?\bTests\s+(.+?)\s+\(\d+\)\s*$/.exec(line.trim());
    if (!match) continue;
    found = true;
    for (const part of match[1].split('|')) {
      const [, n, word] = /(\d+)\s+(passed|failed|skipped|todo)/.exec(part.trim()) ?? [];
      if (word === 'todo') totals.skipped += Number(n);
      else if (word) totals[word] += Number(n);
    }
  }
  return found;
}

/**
 * Runs `pnpm <step>`, passing its output on whole lines at a time, each after `prefix` (so that
 * the lines of two steps running at once do not cut into each other, and say whose they are),
 * and resolving with all of it.
 */
function run(step, prefix = '') {
  return new Promise((resolve) => {
    console.log(`\n> pnpm ${step}`);
    const child = spawn('pnpm', [step], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const [stream, out] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      let partial = '';
      const write = (lines) => out.write(`${prefix}${lines.replaceAll('\n', `\n${prefix}`)}\n`);
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        output += chunk;
        const end = chunk.lastIndexOf('\n');
        if (end === -1) {
          partial += chunk;
          return;
        }
        write(partial + chunk.slice(0, end));
        partial = chunk.slice(end + 1);
      });
      stream.on('end', () => {
        if (partial) write(partial);
      });
    }
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

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

/**
 * Runs `steps` in order, stopping at the first that fails; its exit code, or 0. `lane`: their
 * lines start with the name of the step they come from.
 */
async function runInOrder(steps, lane = false) {
  for (const step of steps) {
    const { code, output } = await run(step, lane ? `[${step}] ` : '');
    const counted = count(output);
    if (code !== 0) {
      if (!counted || !/\bfailed\b/.test(output.replace(ansi, ''))) totals.failed += 1;
      console.error(`\npnpm ${step} failed (exit code ${code})`);
      return code;
    }
  }
  return 0;
}

const before = gitStatus();
let status = await runInOrder(steps);
if (status === 0) {
  // A lane that fails leaves the other to finish, so that the summary counts every test.
  const codes = await Promise.all(lanes.map((lane) => runInOrder(lane, true)));
  status = codes.find((code) => code !== 0) ?? 0;
}
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

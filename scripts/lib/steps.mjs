// The steps of `pnpm test` (scripts/test.mjs): running them in order and in lanes side by side,
// passing their output on, and counting the tests they ran.
import { spawn } from 'node:child_process';

// eslint-disable-next-line no-control-regex -- terminal colour codes
const ansi = /\x1b\[[0-9;]*m/g;

/**
 * Adds to `totals` the counts of vitest's `Tests  3 passed | 1 failed (4)` lines and the README
 * runner's `README blocks: …` line in `text`; whether it found any.
 */
export function countTests(text, totals) {
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
 * Passes text on to `write` in whole lines, each after `prefix`, so that the lines of two steps
 * running at once never cut into each other: `push` holds back a line until its end comes,
 * `end` passes on what is left.
 */
export function lineWriter(write, prefix = '') {
  let partial = '';
  const flush = (lines) => write(`${prefix}${lines.replaceAll('\n', `\n${prefix}`)}\n`);
  return {
    push(chunk) {
      const end = chunk.lastIndexOf('\n');
      if (end === -1) {
        partial += chunk;
        return;
      }
      flush(partial + chunk.slice(0, end));
      partial = chunk.slice(end + 1);
    },
    end() {
      if (partial) flush(partial);
      partial = '';
    },
  };
}

/**
 * Runs the script `step` (`pnpm run <step>`: `pnpm docs` alone would be pnpm's own command), its
 * lines passed on after `prefix`; resolves with its exit code and output.
 */
export function pnpmStep(step, prefix = '') {
  return new Promise((resolve) => {
    console.log(`\n> pnpm ${step}`);
    const child = spawn('pnpm', ['run', step], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const [stream, out] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      const lines = lineWriter((text) => out.write(text), prefix);
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        output += chunk;
        lines.push(chunk);
      });
      stream.on('end', () => lines.end());
    }
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * What {@link runPhases} did: its exit code (the first failed step's, or 0), the steps that
 * failed, and those it never started because a phase before theirs had a failure.
 *
 * @typedef {{ code: number; failed: string[]; notRun: string[] }} PhasesResult
 */

/**
 * Runs `phases` one after the other, stopping after the first in which a step failed. A phase is
 * a list of lanes run side by side, a lane a list of steps run in order. A step needs only the
 * phases before its own: one that fails leaves the steps after it in its lane, and the other
 * lanes, to run, so that every test of the phase is run and counted. The lines of a phase of
 * several lanes start with `[<step>] `. Every step's tests are added to `totals`; a failed step
 * that printed no test counts, or no failed ones, counts as one failure.
 *
 * @param {string[][][]} phases
 * @param {{ passed: number; failed: number; skipped: number }} totals
 * @param {(step: string, prefix: string) => Promise<{ code: number; output: string }>} runStep
 * @returns {Promise<PhasesResult>}
 */
export async function runPhases(phases, totals, runStep = pnpmStep) {
  /** @type {PhasesResult} */
  const result = { code: 0, failed: [], notRun: [] };
  const inOrder = async (steps, prefixed) => {
    for (const step of steps) {
      const { code, output } = await runStep(step, prefixed ? `[${step}] ` : '');
      const counted = countTests(output, totals);
      if (code === 0) continue;
      if (!counted || !/\bfailed\b/.test(output.replace(ansi, ''))) totals.failed += 1;
      console.error(`\npnpm ${step} failed (exit code ${code})`);
      result.failed.push(step);
      if (result.code === 0) result.code = code;
    }
  };
  for (const [n, lanes] of phases.entries()) {
    await Promise.all(lanes.map((lane) => inOrder(lane, lanes.length > 1)));
    if (result.code !== 0) {
      result.notRun = phases.slice(n + 1).flat(2);
      break;
    }
  }
  return result;
}

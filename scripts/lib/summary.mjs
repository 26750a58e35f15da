// The last line of `pnpm test`: the counts; which groups of tests this machine skipped because
// it lacks what they need, with how to give it; and which steps did not run, and why.

/** Where the browser tests look for Chromium (apps/demo/e2e/_support.ts). */
export const CHROMIUM = '/usr/bin/chromium';

/** The steps of `pnpm test` that hold PostgreSQL tests, and the one that holds the browser tests. */
const POSTGRES_STEPS = ['test:packages', 'test:demo', 'test:e2e'];
const BROWSER_STEPS = ['test:e2e'];

/**
 * The groups of tests skipped for want of something, each with what to do about it. With `ran`
 * (the steps that ran), a group is named only when a step that holds it ran: tests that never
 * started were not skipped for want of anything.
 */
export function skippedGroups({ env, exists }, ran) {
  const holds = (steps) => ran === undefined || steps.some((step) => ran.includes(step));
  const groups = [];
  if (!env.TEST_DATABASE_URL && holds(POSTGRES_STEPS)) {
    groups.push(
      'the PostgreSQL tests, as TEST_DATABASE_URL is unset (a local server: TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)',
    );
  }
  if (!exists(CHROMIUM) && holds(BROWSER_STEPS)) {
    groups.push(`the browser tests, as ${CHROMIUM} is missing (apt-get install -y chromium)`);
  }
  return groups;
}

/**
 * `tests: N passed, N failed, N skipped`, and why, when tests were skipped for want of something;
 * with `steps` (what `runPhases` did), also the steps that did not run and the failures they
 * waited on: `; not run, as lint failed: build, test:packages`.
 */
export function summaryLine(totals, machine, steps) {
  const line = `tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`;
  const notRun = steps?.notRun ?? [];
  const ran = steps && steps.all.filter((step) => !notRun.includes(step));
  const groups = totals.skipped > 0 ? skippedGroups(machine, ran) : [];
  const skipped = groups.length === 0 ? line : `${line}, among them ${groups.join(' and ')}`;
  if (notRun.length === 0) return skipped;
  const failed = steps.failed.join(', ');
  return `${skipped}; not run, as ${failed} failed: ${notRun.join(', ')}`;
}

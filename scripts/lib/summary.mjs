// The last line of `pnpm test`: the counts, and which groups of tests this machine skipped
// because it lacks what they need, with how to give it.

/** Where the browser tests look for Chromium (apps/demo/e2e/_support.ts). */
export const CHROMIUM = '/usr/bin/chromium';

/** The groups of tests skipped for want of something, each with what to do about it. */
export function skippedGroups({ env, exists }) {
  const groups = [];
  if (!env.TEST_DATABASE_URL) {
    groups.push(
      'the PostgreSQL tests, as TEST_DATABASE_URL is unset (a local server: TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)',
    );
  }
  if (!exists(CHROMIUM)) {
    groups.push(`the browser tests, as ${CHROMIUM} is missing (apt-get install -y chromium)`);
  }
  return groups;
}

/** `tests: N passed, N failed, N skipped`, and why, when tests were skipped for want of something. */
export function summaryLine(totals, machine) {
  const line = `tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`;
  const groups = totals.skipped > 0 ? skippedGroups(machine) : [];
  return groups.length === 0 ? line : `${line}, among them ${groups.join(' and ')}`;
}

import { describe, expect, it } from 'vitest';
import { CHROMIUM, summaryLine } from '../../../scripts/lib/summary.mjs';

/** `pnpm test`'s last line (scripts/test.mjs), on machines that have or lack what tests need. */
describe('the summary of pnpm test', () => {
  const totals = { passed: 10, failed: 0, skipped: 3 };
  const everything = {
    env: { TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' },
    exists: (path: string) => path === CHROMIUM,
  };

  it('is the counts alone on a machine that has everything', () => {
    expect(summaryLine(totals, everything)).toBe('tests: 10 passed, 0 failed, 3 skipped');
  });

  it('says the PostgreSQL tests were skipped, and how to run them, without TEST_DATABASE_URL', () => {
    expect(summaryLine(totals, { ...everything, env: { TEST_DATABASE_URL: '' } })).toBe(
      'tests: 10 passed, 0 failed, 3 skipped, among them the PostgreSQL tests, as TEST_DATABASE_URL is unset (a local server: TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)',
    );
  });

  it('says the browser tests were skipped without Chromium, beside the PostgreSQL ones', () => {
    const line = summaryLine(totals, { env: {}, exists: () => false });
    expect(line).toMatch(/^tests: 10 passed, 0 failed, 3 skipped, among them the PostgreSQL tests/);
    expect(line).toContain(
      ` and the browser tests, as ${CHROMIUM} is missing (apt-get install -y chromium)`,
    );
  });

  it('gives no reason when nothing was skipped', () => {
    expect(summaryLine({ ...totals, skipped: 0 }, { env: {}, exists: () => false })).toBe(
      'tests: 10 passed, 0 failed, 0 skipped',
    );
  });
});

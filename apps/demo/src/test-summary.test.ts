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

  const all = [
    'lint',
    'typecheck',
    'build',
    'test:packages',
    'test:demo',
    'test:e2e',
    'check:packages',
  ];

  it('names the browser tests only when their step ran', () => {
    const lacking = { env: {}, exists: () => false };
    const ran = { all, failed: ['test:demo'], notRun: [] };
    expect(summaryLine(totals, lacking, ran)).toContain('and the browser tests, as');
    // The build failed: no test step ran, so none was skipped for want of anything.
    const stopped = {
      all,
      failed: ['build'],
      notRun: ['test:packages', 'test:demo', 'test:e2e', 'check:packages'],
    };
    const line = summaryLine(totals, lacking, stopped);
    expect(line).not.toContain('PostgreSQL');
    expect(line).not.toContain('browser');
    expect(line).toMatch(
      /; not run, as build failed: test:packages, test:demo, test:e2e, check:packages$/,
    );
    const withoutE2e = { all, failed: ['test:demo'], notRun: ['test:e2e', 'check:packages'] };
    const first = summaryLine(totals, lacking, withoutE2e);
    expect(first).toContain('among them the PostgreSQL tests');
    expect(first).not.toContain('browser');
  });

  it('ends with the steps that did not run, and what failed before them', () => {
    const steps = {
      all,
      failed: ['lint', 'typecheck'],
      notRun: ['build', 'test:packages', 'test:demo', 'test:e2e', 'check:packages'],
    };
    expect(summaryLine({ passed: 0, failed: 2, skipped: 0 }, everything, steps)).toBe(
      'tests: 0 passed, 2 failed, 0 skipped; not run, as lint, typecheck failed: build, test:packages, test:demo, test:e2e, check:packages',
    );
    expect(summaryLine(totals, everything, { all, failed: ['test:demo'], notRun: [] })).toBe(
      'tests: 10 passed, 0 failed, 3 skipped',
    );
  });
});

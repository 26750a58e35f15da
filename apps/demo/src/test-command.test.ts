import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * `./scripts/pnpm test` as README gives it, in a copy of the repository's scripts whose
 * package.json stands in for each step with a command that prints what a step prints and exits
 * with the code given: the summary is the last line, after a failure too.
 */
describe('./scripts/pnpm test', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringkit-test-command-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(root, 'scripts'), join(dir, 'scripts'), { recursive: true });
  const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    packageManager: string;
  };

  // Each step prints its line and exits with its code, as `steps.json` says.
  writeFileSync(
    join(dir, 'step.mjs'),
    `import { readFileSync } from 'node:fs';
const [line, code] = JSON.parse(readFileSync('steps.json', 'utf8'))[process.argv[2]];
console.log(line);
process.exit(code);
`,
  );

  /** Runs it with `steps` (each step's printed line and exit code); its output and exit code. */
  function run(steps: Record<string, [string, number]>) {
    const scripts = {
      ...Object.fromEntries(Object.keys(steps).map((step) => [step, `node step.mjs ${step}`])),
      // As the repository's package.json has it, for `pnpm test` run otherwise.
      test: 'node scripts/test.mjs',
    };
    writeFileSync(join(dir, 'steps.json'), JSON.stringify(steps));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'copy', private: true, packageManager, scripts }),
    );
    return new Promise<{ code: number | null; output: string }>((resolve) => {
      // Its output and errors in one stream, in the order they were written.
      execFile(
        'bash',
        ['-c', 'exec bash scripts/pnpm test 2>&1'],
        { cwd: dir, env: { ...process.env, TEST_DATABASE_URL: 'postgres://x', CI: '' } },
        (error, output) => {
          resolve({ code: error ? (error.code as number) : 0, output });
        },
      );
    });
  }

  const passing: Record<string, [string, number]> = {
    lint: ['lint ok', 0],
    typecheck: ['typecheck ok', 0],
    build: ['built', 0],
    docs: ['build complete', 0],
    'test:packages': [' Tests  4 passed (4)', 0],
    'test:demo': [' Tests  2 passed (2)', 0],
    'test:e2e': [' Tests  1 passed (1)', 0],
    'check:packages': ['README blocks: 3 passed, 0 failed, 0 skipped', 0],
  };

  it('ends with the summary and exit code 1 when a test failed, every other step run (no ELIFECYCLE line after it)', async () => {
    const { code, output } = await run({
      ...passing,
      'test:demo': [' Tests  1 passed | 1 failed (2)', 1],
    });
    expect(code).toBe(1);
    const lines = output.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('tests: 9 passed, 1 failed, 0 skipped');
    // The browser test and the package checks ran after the demo's unit tests failed.
    expect(output).toContain('[test:e2e]  Tests  1 passed (1)');
    expect(output).toContain('[check:packages] README blocks: 3 passed');
  }, 120_000);

  it('names the steps a failed build kept from running, on its last line', async () => {
    const { code, output } = await run({ ...passing, build: ['error TS2322', 2] });
    expect(code).toBe(2);
    expect(output.trimEnd().split('\n').at(-1)).toBe(
      'tests: 0 passed, 1 failed, 0 skipped; not run, as build failed: test:packages, test:demo, test:e2e, check:packages',
    );
  }, 120_000);

  it('passes with exit code 0 when every step does', async () => {
    const { code, output } = await run(passing);
    expect(code).toBe(0);
    expect(output.trimEnd().split('\n').at(-1)).toBe('tests: 10 passed, 0 failed, 0 skipped');
  }, 120_000);
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { countTests, lineWriter, runPhases, type StepResult } from '../../../scripts/lib/steps.mjs';

/** The steps of `pnpm test` (scripts/test.mjs): what they count, pass on and run side by side. */
describe('the steps of pnpm test', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("counts vitest's summary lines, coloured and after pnpm's prefix, and the README runner's", () => {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    const text = [
      'packages/dialer test: \x1b[2m      Tests \x1b[22m \x1b[1m\x1b[32m3 passed\x1b[39m | 1 failed | 2 skipped | 1 todo (7)',
      'packages/dialer test:  Test Files  1 passed (1)',
      'README blocks: 5 passed, 0 failed, 1 skipped',
    ].join('\n');
    expect(countTests(text, totals)).toBe(true);
    expect(totals).toEqual({ passed: 8, failed: 1, skipped: 4 });
    expect(countTests('Done\nno counts here', totals)).toBe(false);
    expect(totals).toEqual({ passed: 8, failed: 1, skipped: 4 });
  });

  it('passes text on in whole lines, each after the prefix, holding a line back until it ends', () => {
    const written: string[] = [];
    const lines = lineWriter((text) => written.push(text), '[test:demo] ');
    lines.push('one\ntw');
    expect(written).toEqual(['[test:demo] one\n']);
    lines.push('o');
    expect(written).toHaveLength(1);
    lines.push('\nthree\nfour\nfi');
    lines.end();
    expect(written.join('')).toBe(
      '[test:demo] one\n[test:demo] two\n[test:demo] three\n[test:demo] four\n[test:demo] fi\n',
    );
    lines.end();
    expect(written).toHaveLength(3);
  });

  /** A step runner whose steps end when the test says, recording what ran and in which order. */
  function steps(results: Record<string, StepResult>) {
    const log: string[] = [];
    const waiting = new Map<string, () => void>();
    const run = (step: string, prefix: string) => {
      log.push(`start ${step} ${JSON.stringify(prefix)}`);
      return new Promise<StepResult>((resolve) => {
        waiting.set(step, () => {
          log.push(`end ${step}`);
          resolve(results[step] ?? { code: 0, output: '' });
        });
      });
    };
    /** Ends `step` once it has started. */
    const end = async (step: string) => {
      await vi.waitFor(() => expect(waiting.has(step)).toBe(true));
      waiting.get(step)!();
      waiting.delete(step);
    };
    return { log, run, end };
  }

  it('runs a lane in order, each step even after one failed, and stops after the phase in which a step failed', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const totals = { passed: 0, failed: 0, skipped: 0 };
    const { log, run, end } = steps({ typecheck: { code: 2, output: 'error TS2322' } });
    const done = runPhases(
      [[['lint', 'typecheck', 'format']], [['build'], ['docs']], [['test']]],
      totals,
      run,
    );
    await end('lint');
    await end('typecheck');
    await end('format');
    expect(await done).toEqual({
      code: 2,
      failed: ['typecheck'],
      notRun: ['build', 'docs', 'test'],
    });
    // One lane alone: its lines as they come, with no prefix.
    expect(log).toEqual([
      'start lint ""',
      'end lint',
      'start typecheck ""',
      'end typecheck',
      'start format ""',
      'end format',
    ]);
    // A failed step that ran no tests counts as one failure.
    expect(totals).toEqual({ passed: 0, failed: 1, skipped: 0 });
  });

  it('runs the lanes of a phase side by side; a failed step leaves its lane and the others to finish, and every test counts', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const totals = { passed: 0, failed: 0, skipped: 0 };
    const { log, run, end } = steps({
      'test:packages': { code: 1, output: ' Tests  4 passed | 1 failed (5)' },
      'test:demo': { code: 3, output: ' Tests  5 passed | 1 failed (6)' },
      'test:e2e': { code: 0, output: ' Tests  1 passed (1)' },
      'check:packages': { code: 0, output: 'README blocks: 2 passed, 0 failed, 1 skipped' },
    });
    const done = runPhases(
      [[['build']], [['test:packages'], ['test:demo', 'test:e2e', 'check:packages']], [['after']]],
      totals,
      run,
    );
    await end('build');
    // Both lanes are on their way before either ends.
    await vi.waitFor(() => expect(log).toContain('start test:demo "[test:demo] "'));
    expect(log).toContain('start test:packages "[test:packages] "');
    await end('test:packages');
    await end('test:demo');
    await end('test:e2e');
    await end('check:packages');
    // The code of the first step that failed; the phase after the one that failed never starts.
    expect(await done).toEqual({
      code: 1,
      failed: ['test:packages', 'test:demo'],
      notRun: ['after'],
    });
    // A failed step leaves the steps after it in its lane to run.
    expect(log.slice(2)).toEqual([
      'start test:packages "[test:packages] "',
      'start test:demo "[test:demo] "',
      'end test:packages',
      'end test:demo',
      'start test:e2e "[test:e2e] "',
      'end test:e2e',
      'start check:packages "[check:packages] "',
      'end check:packages',
    ]);
    // Each lane's failing test is counted once, not once more for the step.
    expect(totals).toEqual({ passed: 12, failed: 2, skipped: 1 });
  });

  it('starts a phase only once every lane of the one before has ended, and resolves with 0 when all pass', async () => {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    const { log, run, end } = steps({});
    const done = runPhases(
      [
        [['lint'], ['typecheck']],
        [['a'], ['b', 'c']],
      ],
      totals,
      run,
    );
    await end('typecheck');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log.some((line) => line.startsWith('start a'))).toBe(false);
    await end('lint');
    for (const step of ['a', 'b', 'c']) await end(step);
    expect(await done).toEqual({ code: 0, failed: [], notRun: [] });
    expect(log.slice(0, 4)).toEqual([
      'start lint "[lint] "',
      'start typecheck "[typecheck] "',
      'end typecheck',
      'end lint',
    ]);
    expect(totals).toEqual({ passed: 0, failed: 0, skipped: 0 });
  });
});

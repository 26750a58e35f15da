import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withPrintChecks } from '../../../tests/packed/readme-prints.mjs';

/**
 * The README runner's check of what an example says it prints (tests/packed/readme-prints.mjs):
 * `console.log(…); // → expected` prints as it would, and fails the block unless it printed that.
 */
describe('what a README example says it prints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringkit-readme-prints-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `code` as a README block is run; its exit code, output and errors. */
  function run(code: string) {
    const path = join(dir, 'block.mts');
    writeFileSync(path, withPrintChecks(code).code);
    const { status, stdout, stderr } = spawnSync(process.execPath, [path], { encoding: 'utf8' });
    return { status, stdout, stderr };
  }

  it('passes what prints as claimed, … standing for any text, and leaves other comments alone', () => {
    const code = [
      "const id = '3f1c-77';",
      "console.log('placed', id, 'initiated'); // → placed … initiated",
      "console.log(['a']); // → [ 'a' ]",
      'console.log(2); // the number two, in words for the reader',
      "if (id) console.log('$1 (a) [b] *'); // → $1 (a) [b] *",
    ].join('\n');
    expect(withPrintChecks(code).claims).toEqual([2, 3, 5]);
    expect(run(code)).toEqual({
      status: 0,
      stdout: "placed 3f1c-77 initiated\n[ 'a' ]\n2\n$1 (a) [b] *\n",
      stderr: '',
    });
  });

  it('fails a block that printed something else, naming the line, what it printed and the claim', () => {
    const { status, stdout, stderr } = run("console.log('ok');\nconsole.log([]); // → [ 'x' ]\n");
    expect(status).toBe(1);
    expect(stdout).toBe('ok\n[]\n');
    expect(stderr).toBe(`README line 2 printed "[]", not "[ 'x' ]"\n`);
  });

  it('fails a block whose claim never ran', () => {
    const { status, stderr } = run('if (Date.now() < 0) console.log(1); // → 1\n');
    expect(status).toBe(1);
    expect(stderr).toBe('README line 1 claims what it prints, but never ran\n');
  });

  it('changes nothing in a block that claims nothing', () => {
    const code = 'console.log(1); // 1\n';
    expect(withPrintChecks(code)).toEqual({ code, claims: [] });
  });
});

import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const launcher = fileURLToPath(new URL('../bin/ringkit-sim.js', import.meta.url));
const dirs: string[] = [];

/** A package folder holding the committed launcher, with or without a build beside it. */
function packageDir(withBuild: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'ringkit-bin-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(launcher, join(dir, 'bin', 'ringkit-sim.js'));
  if (withBuild) {
    mkdirSync(join(dir, 'dist'), { recursive: true });
    writeFileSync(
      join(dir, 'dist', 'cli.js'),
      "console.log('cli ran with', JSON.stringify(process.argv.slice(2)));\n",
    );
  }
  return join(dir, 'bin', 'ringkit-sim.js');
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the ringkit-sim launcher', () => {
  it('runs the built CLI with the arguments it was given', async () => {
    const { stdout } = await run(process.execPath, [packageDir(true), '--seed', '1']);
    expect(stdout.trim()).toBe('cli ran with ["--seed","1"]');
  });

  it('says to build first, and exits 1, when the build is missing', async () => {
    const error = await run(process.execPath, [packageDir(false)]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 1 });
    expect((error as { stderr: string }).stderr).toContain('Run `pnpm build`');
  });
});

/**
 * This checkout's code beside another's (an older revision, built in a `git worktree`), measured
 * by the same scripts alternated in one sitting: for each script, other, this, this, other (and
 * so on for `--rounds`), so a machine that slows down over the sitting slows both sides alike.
 * Each side runs its own checkout's copy of the script against its own build; a script an older
 * checkout keeps at the top of `bench/` (before the folders) is found there; a self-contained
 * script it lacks (`PORTABLE`) is run from this checkout against its build.
 *
 *   git worktree add /tmp/before <rev> && (cd /tmp/before && pnpm install --offline &&
 *     pnpm -r --filter './packages/*' build)
 *   pnpm --filter @ringkit/bench exec tsx before-after.ts /tmp/before [--rounds 2] [--only a,b]
 *
 * It prints every run's output under a heading naming the script, the side and the round; the
 * figures are each script's own. Not in `pnpm bench` (it needs the other build).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The figures the comparison names, each a script and its arguments. */
const SCRIPTS: Record<string, string[]> = {
  // The scheduler end to end over HTTP on memory, SQLite and PostgreSQL, two bursts, four
  // PostgreSQL workers, and the dialer end to end.
  pipeline: ['pipeline/pipeline.ts', '--quick', '--only', 'scheduler,burst,postgres,dialer'],
  // CPU per call and dispatch lag of the scheduler in process, on each store.
  scheduler: ['scheduler/scheduler.ts', '--quick'],
  // A burst's dispatches/s with 1 and 4 worker processes on PostgreSQL.
  postgres: ['scheduler/postgres.ts', '--quick', '--only', 'ringkit', '--workers', '1,4'],
  // The in-memory dialer's path, and durable campaigns on each store, 1 and 3 workers.
  dialer: ['campaigns/dialer.ts', '--quick'],
  // The scheduler's CPU per call while its code warms up and once it has, on each store.
  'warm-up': ['scheduler/warm-up.ts'],
};

/**
 * Scripts that use Node and the packages' public API alone: a checkout that lacks one runs this
 * checkout's copy against its own build (copied into its `bench/` for the run, then removed).
 */
const PORTABLE = new Set(['warm-up']);

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const other = argv[0];
if (!other || other.startsWith('--') || !existsSync(join(other, 'bench'))) {
  console.error('usage: before-after.ts <other checkout> [--rounds 2] [--only pipeline,dialer]');
  process.exit(2);
}
const rounds = Number(flag('--rounds') ?? 2);
const only = flag('--only')?.split(',');
const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
const sides = { other: resolve(other), this: here };

/** The script's path in a checkout: in its folder, or at the top of an older `bench/`. */
function scriptIn(checkout: string, script: string): string | null {
  for (const path of [join(checkout, 'bench', script), join(checkout, 'bench', basename(script))])
    if (existsSync(path)) return path;
  return null;
}

let failed = 0;
for (const [name, [script, ...args]] of Object.entries(SCRIPTS)) {
  if (only && !only.includes(name)) continue;
  const order: (keyof typeof sides)[] = [];
  for (let round = 0; round < rounds; round += 1)
    order.push(...(round % 2 === 0 ? (['other', 'this'] as const) : (['this', 'other'] as const)));
  const seen = { other: 0, this: 0 };
  for (const side of order) {
    seen[side] += 1;
    let path = scriptIn(sides[side], script!);
    let copied = false;
    console.log(`\n### ${name} — ${side} (${sides[side]}), run ${seen[side]}\n`);
    if (!path && PORTABLE.has(name)) {
      path = join(sides[side], 'bench', `_portable-${basename(script!)}`);
      copyFileSync(join(here, 'bench', script!), path);
      copied = true;
      console.log(`(this checkout's ${script}, run against that build)`);
    }
    if (!path) {
      console.log(`(no ${script} in this checkout)`);
      continue;
    }
    try {
      const result = spawnSync(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', path, ...args],
        { cwd: join(sides[side], 'bench'), stdio: 'inherit' },
      );
      if (result.status !== 0) failed += 1;
    } finally {
      if (copied) rmSync(path, { force: true });
    }
  }
}
process.exit(failed === 0 ? 0 : 1);

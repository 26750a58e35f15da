// `pnpm check:package` in a publishable package: packs it as `pnpm publish` would (with
// `publishConfig` applied), then lints that tarball with publint and checks its types with
// arethetypeswrong. The packed manifest must not name the workspace's source condition.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SOURCE_CONDITION = '@ringkit/source';
const out = mkdtempSync(join(tmpdir(), 'ringkit-check-package-'));
const run = (command, args, options = {}) =>
  execFileSync(command, args, { stdio: 'inherit', ...options });

try {
  run('pnpm', ['pack', '--pack-destination', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [tarball] = readdirSync(out).filter((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`pnpm pack wrote no tarball to ${out}`);
  const path = join(out, tarball);
  const manifest = execFileSync('tar', ['-xzOf', path, 'package/package.json'], {
    encoding: 'utf8',
  });
  if (manifest.includes(SOURCE_CONDITION)) {
    throw new Error(`${tarball}: the packed package.json names ${SOURCE_CONDITION}`);
  }
  run('publint', ['run', '--strict', path]);
  run('attw', [path, '--profile', 'node16']);
} finally {
  rmSync(out, { recursive: true, force: true });
}

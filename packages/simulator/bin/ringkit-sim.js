#!/usr/bin/env node
// `ringkit-sim`: runs the simulator CLI from the package's build. This launcher is committed, not
// built, so the bin exists as soon as the package is installed, in a workspace before any build.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli.js', import.meta.url);
if (existsSync(entry)) {
  await import(entry.href);
} else {
  console.error(
    'ringkit-sim: the build is missing (dist/cli.js). Run `pnpm build` in the package first.',
  );
  process.exitCode = 1;
}

/**
 * Lets plain `node` run the workspace's TypeScript sources, for the worker processes of
 * `dialer.crash.test.ts`: `node --import <this file> test/crash-worker.ts`. These hooks map what
 * `vitest.config.ts`'s aliases map for the tests: `@ringkit/call-client` and
 * `@ringkit/scheduler-core` (and their entry points) to their sources, and `.js` specifiers to
 * the `.ts` files beside them, so nothing has to be built first. The sources are compiled by
 * Node's own `stripTypeScriptTypes` in `transform` mode: the dialer's sources use parameter
 * properties, which Node's default type stripping refuses.
 */
import { existsSync, readFileSync } from 'node:fs';
import { registerHooks, stripTypeScriptTypes } from 'node:module';
import { fileURLToPath } from 'node:url';

const source = (pkg: string, path: string) =>
  new URL(`../../${pkg}/src/${path}`, import.meta.url).href;

const aliases: Record<string, string> = {
  '@ringkit/call-client': source('call-client', 'index.ts'),
  '@ringkit/call-client/testing': source('call-client', 'testing/index.ts'),
  '@ringkit/scheduler-core': source('scheduler-core', 'index.ts'),
  '@ringkit/scheduler-core/memory': source('scheduler-core', 'stores/memory/memory.ts'),
  '@ringkit/scheduler-core/sqlite': source('scheduler-core', 'stores/sqlite/sqlite.ts'),
  '@ringkit/scheduler-core/postgres': source('scheduler-core', 'stores/postgres/postgres.ts'),
};

registerHooks({
  resolve(specifier, context, nextResolve) {
    const alias = aliases[specifier];
    if (alias) return { url: alias, shortCircuit: true };
    const parent = context.parentURL;
    if (
      parent?.startsWith('file:') &&
      parent.endsWith('.ts') &&
      specifier.startsWith('.') &&
      specifier.endsWith('.js')
    ) {
      const url = new URL(specifier.replace(/\.js$/, '.ts'), parent);
      if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
  load(url, context, nextLoad) {
    if (url.startsWith('file:') && url.endsWith('.ts') && !url.includes('/node_modules/')) {
      const code = readFileSync(fileURLToPath(url), 'utf8');
      const source = stripTypeScriptTypes(code, { mode: 'transform', sourceUrl: url });
      return { format: 'module', source, shortCircuit: true };
    }
    return nextLoad(url, context);
  },
});

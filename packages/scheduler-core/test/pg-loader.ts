/**
 * Lets plain `node` run this package's TypeScript sources, for the child processes of the
 * multi-process tests: `node --import <this file> test/pg-worker.ts`. Node strips the
 * types itself (Node ≥ 22.18 / 23.6); these hooks map what vitest's aliases map for the tests:
 * `.js` specifiers to the `.ts` files beside them, and `@ringkit/call-client` to its sources, so
 * nothing has to be built first.
 */
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

const callClient = (path: string) => new URL(`../../call-client/src/${path}`, import.meta.url).href;

const aliases: Record<string, string> = {
  '@ringkit/call-client': callClient('index.ts'),
  '@ringkit/call-client/testing': callClient('testing/index.ts'),
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
});

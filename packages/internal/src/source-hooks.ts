/**
 * Lets plain `node` run the workspace's TypeScript sources, for the child processes of the
 * multi-process and crash tests: run it with `node ${sourceExecArgv().join(' ')} worker.ts`
 * (see `sourceExecArgv` in `@ringkit/internal/testing`). The `@ringkit/source` condition resolves
 * every workspace package to its sources; these hooks map `.js` specifiers to the `.ts` files
 * beside them and compile the sources with Node's own `stripTypeScriptTypes` in `transform` mode
 * (the dialer's sources use parameter properties, which Node's default type stripping refuses),
 * so nothing has to be built first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { registerHooks, stripTypeScriptTypes } from 'node:module';
import { fileURLToPath } from 'node:url';

registerHooks({
  resolve(specifier, context, nextResolve) {
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

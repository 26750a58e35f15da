import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

const internalTypes = fileURLToPath(new URL('./packages/internal/src/index.ts', import.meta.url));

/**
 * A publishable package's build: ESM and CommonJS with declarations for each entry.
 *
 * The private helpers every package shares are bundled in, code and types: users never see
 * `@ringkit/internal`. Its types are read from its sources, outside node_modules, so the
 * declaration bundler inlines them and every file they import (tests/packed checks that no
 * declaration file names it). Every other dependency stays an import.
 */
export function packageBuildConfig(options: Pick<Options, 'entry' | 'external'> & Options) {
  return defineConfig({
    format: ['esm', 'cjs'],
    noExternal: ['@ringkit/internal'],
    dts: { compilerOptions: { paths: { '@ringkit/internal': [internalTypes] } } },
    sourcemap: true,
    // `import.meta.url` in the CommonJS build (where @opentelemetry/api is looked up from).
    shims: true,
    clean: true,
    target: 'node22',
    ...options,
  });
}

import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config';

/**
 * The export condition under which every workspace package names its TypeScript sources
 * (`"@ringkit/source": "./src/index.ts"` beside `import` and `require` in its `exports`). `tsc`
 * (`customConditions` in tsconfig.base.json), vitest (below), the demo's Vite and the test
 * processes started with `node --conditions` all resolve the workspace through it, so none of
 * them needs a build or an alias table. The published manifests leave it out
 * (`publishConfig.exports`).
 */
export const SOURCE_CONDITION = '@ringkit/source';

/**
 * Vite's resolve settings with the source condition first. Setting `conditions` replaces Vite's
 * defaults, so they are repeated here: `defaultClientConditions` and `defaultServerConditions` of
 * the `vite` package.
 */
export const sourceResolve = {
  resolve: { conditions: [SOURCE_CONDITION, 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, 'module', 'node', 'development|production'] } },
} satisfies ViteUserConfig;

/** A package's unit tests: `src/**\/*.test.ts` against the workspace's sources. */
export function packageTestConfig(config: ViteUserConfig = {}): ViteUserConfig {
  return mergeConfig(
    defineConfig({
      ...sourceResolve,
      test: { include: ['src/**/*.test.ts'], testTimeout: 20_000 },
    }),
    config,
  );
}

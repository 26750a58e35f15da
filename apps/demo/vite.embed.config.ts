import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { sourceResolve } from '../../vitest.shared.js';

const path = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * `/embed.js`: the three elements in one classic script (IIFE), so any page can load it with a
 * plain `<script src>` from another origin.
 */
export default defineConfig({
  resolve: sourceResolve.resolve,
  publicDir: false,
  build: {
    outDir: path('./dist/public'),
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: true,
    lib: {
      entry: path('./src/client/embed.ts'),
      formats: ['iife'],
      name: 'RingkitElements',
      fileName: () => 'embed.js',
    },
  },
});

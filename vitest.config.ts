import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index.ts') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${entry}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run every package from source, so one module graph serves them all (no dist/src mix-ups).
    alias: {
      '@coffer/protocol': src('protocol'),
      '@coffer/native': src('native'),
      '@coffer/server': src('server'),
      '@coffer/sdk': src('sdk'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { NODE_NO_WARNINGS: '1' },
  },
});

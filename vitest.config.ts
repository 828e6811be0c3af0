import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { clusterExcluded } from './test/e2e/cluster-excluded.js';

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
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { NODE_NO_WARNINGS: '1' },
    projects: [
      {
        extends: true,
        test: {
          // Every test, each e2e test server one embedded server (SQLite metadata).
          name: 'embedded',
          include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/e2e/cluster.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          // The e2e suite again, each test server a cluster (#19): three gateways on one PostgreSQL
          // database and one data directory behind a round-robin proxy (test/e2e/helpers/cluster.ts).
          // test/e2e/cluster-excluded.ts lists the files left out, and why.
          name: 'cluster',
          include: ['test/e2e/*.test.ts'],
          exclude: [...configDefaults.exclude, ...Object.keys(clusterExcluded).map((f) => `test/e2e/${f}`)],
          env: { COFFER_TEST_CLUSTER: '3' },
          globalSetup: ['test/e2e/helpers/cluster-setup.ts'],
        },
      },
    ],
  },
});

import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { clusterExcluded, clusterLeftOutForTime } from './test/e2e/cluster-excluded.js';

/** The e2e files the cluster project leaves out: always those that cannot run there, and some for time. */
const leftOutOfCluster = [
  ...Object.keys(clusterExcluded),
  ...(process.env.COFFER_TEST_CLUSTER_ALL === '1' ? [] : Object.keys(clusterLeftOutForTime)),
].map((file) => `test/e2e/${file}`);

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
          // test/e2e/cluster-excluded.ts lists the files left out, and why: those that cannot run
          // against a cluster, and (unless COFFER_TEST_CLUSTER_ALL=1) those that drive other programs
          // through operations the rest already cover, so that `npm test` fits CI's time budget.
          name: 'cluster',
          include: ['test/e2e/*.test.ts'],
          exclude: [...configDefaults.exclude, ...leftOutOfCluster],
          env: { COFFER_TEST_CLUSTER: '3' },
          globalSetup: ['test/e2e/helpers/cluster-setup.ts'],
        },
      },
    ],
  },
});

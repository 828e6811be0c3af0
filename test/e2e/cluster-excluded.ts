/**
 * The e2e files the `cluster` project (vitest.config.ts) does not run against a cluster (#19), each
 * with the reason. Everything else under test/e2e/ runs twice in `npm test`: against one embedded
 * server (project `embedded`) and against three gateways on one PostgreSQL database and one data
 * directory behind a round-robin proxy (project `cluster`, COFFER_TEST_CLUSTER=3, helpers/cluster.ts).
 * A reason starting with "pending:" is a gap in the cluster itself, not in the test.
 */
export const clusterExcluded: Record<string, string> = {
  // Files that start their own servers or processes, with their own stores: COFFER_TEST_CLUSTER changes nothing in them.
  'access-logging-crash.test.ts': 'starts its own child server process on SQLite and kills it',
  'crash.test.ts': 'starts its own child server processes on SQLite and kills them mid-write',
  'notifications-crash.test.ts': 'starts its own child server process and kills it',
  'usage-crash.test.ts': 'starts its own child server process on SQLite and kills it',
  'cli-config-file.test.ts': 'starts `coffer server --config` processes of its own',
  'notifications-config-file.test.ts': 'starts servers of its own from config files',
  'tls.test.ts': 'starts HTTPS servers of its own (the proxy in front of a cluster is plain TCP)',
  'sdk-fake-routes.test.ts': 'runs against a fake COS route, not a Coffer server',
  'shared-data-dir.test.ts': 'starts its own gateways on one data directory (the cluster setup it tests)',
  'pg-gateways-kill.test.ts': 'starts its own three gateway processes and kills one',
  'postgres-metadata.test.ts': 'switches to COFFER_TEST_METADATA=postgres and imports other e2e files itself',
};

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
  // Tests of what one server alone does.
  'data-dir.test.ts': "one server per data directory (the embedded store's exclusive lock), SQLite's files and modes",
  'migrate-metadata.test.ts':
    'migrates an embedded (SQLite) deployment into PostgreSQL: its test server must be embedded',
  'metrics.test.ts':
    "scrapes one server's /-/metrics and expects every request counted there; Prometheus scrapes each gateway",
  'access-logging.test.ts':
    'counts the log objects one server delivers per flush; in a cluster each gateway buffers its own records and POST /-/admin/logging/flush flushes only the gateway that receives it',
};

/**
 * Single tests skipped in the cluster project (`it.skipIf(pendingInCluster(file, title))`,
 * helpers/cluster.ts), keyed `<file> > <test title>`: gaps in the cluster itself.
 */
export const clusterPendingTests: Record<string, string> = {
  'lifecycle-admin.test.ts > two passes started at the same time are one: both callers get the same run, every action happens once':
    'pending: POST /-/admin/lifecycle/run joins a pass running on the same gateway only; two asked of two gateways at once are two passes with two run ids',
  'multipart-errors.test.ts > Abort while a part is streaming: that UploadPart ends 404 NoSuchUpload and leaves no file behind':
    "pending: an Abort served by one gateway does not stop a part streaming into another; that part's request waits for the client until the socket timeout (400 RequestTimeout) instead of ending 404 NoSuchUpload",
};

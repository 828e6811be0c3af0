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
  'accounts-upgrade.test.ts': 'upgrades a data directory of SQLite metadata schema 17 in place',
  'metrics.test.ts':
    "scrapes one server's /-/metrics and expects every request counted there; Prometheus scrapes each gateway",
};

/**
 * Files that pass against a cluster but are left out of `npm test`'s cluster project for time (CI runs
 * the whole `npm test` on 2 cores in under ~28 minutes; the embedded project alone takes 17–20): they
 * drive other programs (the coffer CLI, third-party clients, a browser) through the S3, COS and admin
 * operations that the SDK-level files in the cluster project already send through the gateways, and
 * together took ~9 of the ~12 minutes of test time of the whole cluster project (docs/operations.md,
 * "Running the e2e suite against a cluster"). One of each kind stays in: cli-readme (the CLI),
 * clients-minio (a third-party client), console-buckets (the console). COFFER_TEST_CLUSTER_ALL=1 puts
 * these back: `COFFER_TEST_CLUSTER_ALL=1 npx vitest run --project cluster`.
 */
export const clusterLeftOutForTime: Record<string, string> = {
  'cli-resume-mirror.test.ts': 'the CLI (2 min)',
  'cli-manage.test.ts': 'the CLI (1 min)',
  'cli-objects.test.ts': 'the CLI (1 min)',
  'cli-logging-inventory.test.ts': 'the CLI',
  'cli-lifecycle.test.ts': 'the CLI',
  'clients-s3cmd.test.ts': 's3cmd (50 s)',
  'clients-awscli.test.ts': 'the AWS CLI (35 s)',
  'clients-boto3.test.ts': 'boto3',
  'sse-boto3.test.ts': 'boto3',
  'clients-rclone.test.ts': 'rclone',
  'console-admin.test.ts': 'the console in Chromium',
  'console-bucket-tools.test.ts': 'the console in Chromium',
  'console-files.test.ts': 'the console in Chromium',
  'console-objects.test.ts': 'the console in Chromium',
  'console-settings.test.ts': 'the console in Chromium',
  'sse-copy-matrix.test.ts':
    'every SSE source × destination pair of CopyObject (sse.test.ts, sse-kms.test.ts and sse-c.test.ts copy across gateways)',
  'readme-examples.test.ts': "the README's SDK examples, calls the SDK files make",
};

/**
 * Single tests skipped in the cluster project (`it.skipIf(pendingInCluster(file, title))`,
 * helpers/cluster.ts), keyed `<file> > <test title>`: gaps in the cluster itself.
 */
export const clusterPendingTests: Record<string, string> = {};

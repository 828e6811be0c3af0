/**
 * A handful of e2e flows against a server whose metadata is in PostgreSQL (`--metadata postgres://…`):
 * the same test files as the embedded runs, with COFFER_TEST_METADATA=postgres, so helpers/server.ts
 * gives every test server a throwaway database of its own (dropped after). Any e2e file runs this way
 * on its own too: `COFFER_TEST_METADATA=postgres npx vitest run test/e2e/<file>`. Files that open
 * meta.db to look inside SQLite (inline-bodies, crash) are not among these; helpers/blobs.ts reads
 * inline bodies from PostgreSQL when the metadata is there.
 */
process.env.COFFER_TEST_METADATA = 'postgres';

await import('./s3-put-get.test.js');
await import('./s3-list.test.js');
await import('./s3-delete.test.js');
await import('./multipart-list.test.js');
await import('./object-lock.test.js');
await import('./multipart-copy.test.js');
await import('./lifecycle-run.test.js');
// What main gained after the store split, each on PostgreSQL's own tables (migration 3).
await import('./notifications-targets.test.js');
await import('./recycle-bin.test.js');
await import('./accounts-isolation-s3.test.js');
await import('./access-logging.test.js');
await import('./inventory.test.js');
await import('./intelligent-tiering.test.js');
await import('./sse-kms.test.js');

/**
 * e2e flows against a cluster (#19): with COFFER_TEST_CLUSTER=3, helpers/server.ts makes every test
 * server three gateways on one PostgreSQL database (a throwaway one, dropped after) and one shared data
 * directory, behind a round-robin TCP proxy, and its clients open a connection per request, so
 * consecutive requests of a test land on different gateways: read-after-write, list-after-write and
 * config changes are checked across gateways. Any e2e file runs this way on its own too:
 * `COFFER_TEST_CLUSTER=3 npx vitest run test/e2e/<file>`. The gateways run in this process (each with
 * its own stores, caches, leases and tmp/<gateway>/), so that tests keep reaching the first one's
 * engine; pg-gateways-kill.test.ts runs three gateway processes and kills one.
 */
import { HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { useS3Bucket } from './helpers/server.js';

process.env.COFFER_TEST_CLUSTER = '3';

describe('the cluster the e2e files run against', () => {
  const f = useS3Bucket('spread');
  it('spreads requests over the three gateways, which share one data directory and cluster.json', async () => {
    expect(f.t.gateways).toHaveLength(3);
    for (let i = 0; i < 6; i++) await f.s3.send(new HeadBucketCommand({ Bucket: f.bucket }));
    await f.s3.send(new PutObjectCommand({ Bucket: f.bucket, Key: 'big', Body: Buffer.alloc(300_000, 1) }));
    for (const g of f.t.gateways) {
      const served = Object.values(g.metrics.snapshot()).reduce((sum, op) => sum + op.total, 0);
      expect(served).toBeGreaterThan(0);
      expect(g.config.dataDir).toBe(f.t.dataDir);
    }
  });
});

await import('./s3-put-get.test.js');
await import('./s3-list.test.js');
await import('./s3-delete.test.js');
await import('./s3-buckets.test.js');
await import('./s3-conditional-range.test.js');
await import('./multipart-list.test.js');
await import('./multipart-copy.test.js');
await import('./object-lock.test.js');
await import('./cos-object.test.js');
await import('./cos-bucket.test.js');
await import('./cors-config.test.js');
await import('./lifecycle-run.test.js');
await import('./recycle-bin.test.js');
await import('./accounts-isolation-s3.test.js');

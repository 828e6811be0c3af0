/**
 * The cluster the e2e suite runs against (#19). vitest.config.ts's project `cluster` runs the e2e files
 * (less those test/e2e/cluster-excluded.ts lists) with COFFER_TEST_CLUSTER=3: helpers/server.ts makes
 * every test server three gateways on one PostgreSQL database (a throwaway one, dropped after) and one
 * shared data directory, behind a round-robin TCP proxy, and its clients open a connection per request,
 * so consecutive requests of a test land on different gateways: read-after-write, list-after-write and
 * config changes are checked across gateways. This file is in that project only, and checks that the
 * spreading happens. The gateways run in this process (each with its own stores, caches, leases and
 * tmp/<gateway>/), so that tests keep reaching the first one's engine; pg-gateways-kill.test.ts runs
 * three gateway processes and kills one.
 */
import { HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { useS3Bucket } from './helpers/server.js';

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

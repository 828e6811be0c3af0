import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessLogStream } from './access-log.js';
import type { BucketRecord, MetadataStore } from './types.js';

const A: AccessLogStream = {
  sourceBucket: 'src',
  targetBucket: 'logs',
  targetPrefix: 'a/',
  format: 's3',
  keyFormat: 'simple',
};
const B: AccessLogStream = { ...A, targetPrefix: 'b/', format: 'cos' };

/**
 * The contract of the access log spool and the inventory scans (stores/access-log.ts,
 * stores/inventory.ts), run against every MetadataStore implementation, beside metaStoreSuite.
 */
export function accessLogAndInventorySuite(name: string, open: () => Promise<MetadataStore>): void {
  describe(`access log spool and inventory scans: ${name}`, () => {
    let store: MetadataStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const lines = async (batch: Parameters<MetadataStore['readAccessLogBatch']>[0]) =>
      (await store.readAccessLogBatch(batch, 0, 100)).flatMap((r) => r.lines.split('\n'));

    it('seals each stream into batches of at most maxRecords, in order, and forgets a delivered batch', async () => {
      await store.appendAccessLog([
        { ...A, line: 'a1' },
        { ...B, line: 'b1' },
        { ...A, line: 'a2' },
      ]);
      await store.appendAccessLog([{ ...A, line: 'a3' }]);
      expect(await store.sealAccessLogBatches(1000, 2)).toBe(3);
      expect(await store.sealAccessLogBatches(1001, 2)).toBe(0);
      const due = await store.dueAccessLogBatches(1000, 10);
      expect(due.map((b) => [b.targetPrefix, b.format, b.records, b.sealedMs, b.attempts])).toEqual([
        ['a/', 's3', 2, 1000, 0],
        ['a/', 's3', 1, 1000, 0],
        ['b/', 'cos', 1, 1000, 0],
      ]);
      expect(await Promise.all(due.map(lines))).toEqual([['a1', 'a2'], ['a3'], ['b1']]);
      expect(await store.accessLogBacklog()).toEqual({ records: 4, batches: 3, failing: 0 });

      await store.finishAccessLogBatch(due[0]!.id);
      expect(await store.accessLogBacklog()).toEqual({ records: 2, batches: 2, failing: 0 });
      // Records appended after a delivery get new ids: never mistaken for sealed ones.
      await store.appendAccessLog([{ ...A, line: 'a4' }]);
      expect(await store.sealAccessLogBatches(2000, 10)).toBe(1);
      const next = (await store.dueAccessLogBatches(2000, 10)).at(-1)!;
      expect([next.sealedMs, await lines(next)]).toEqual([2000, ['a4']]);
    });

    it('a failed batch waits for its retry time, keeping its records and number', async () => {
      await store.appendAccessLog([{ ...A, line: 'x' }]);
      await store.sealAccessLogBatches(10, 100);
      const [batch] = await store.dueAccessLogBatches(10, 10);
      await store.failAccessLogBatch(batch!.id, 500, 'NoSuchBucket');
      expect(await store.dueAccessLogBatches(499, 10)).toEqual([]);
      const [again] = await store.dueAccessLogBatches(500, 10);
      expect(again).toMatchObject({ id: batch!.id, attempts: 1, lastError: 'NoSuchBucket', records: 1 });
      expect(await store.accessLogBacklog()).toEqual({ records: 1, batches: 1, failing: 1 });
      expect(await lines(again!)).toEqual(['x']);
    });

    describe('inventory scans', () => {
      let bucket: BucketRecord;
      beforeEach(async () => {
        bucket = await store.createBucket({ name: 'inv', ownerId: 'owner', region: 'r', createdMs: 1 });
        await store.setBucketVersioning(bucket.id, 'Enabled');
        const put = (key: string, size: number) =>
          store.commitObject({
            bucketId: bucket.id,
            key,
            newBlobs: [],
            version: {
              isDeleteMarker: false,
              size,
              etag: 'e',
              lastModifiedMs: 1,
              storageClass: 'STANDARD',
              objectType: 'normal',
              ownerId: 'owner',
              contentHeaders: {},
              userMeta: {},
              checksums: {},
              manifest: [],
            },
          });
        await put('a/1', 1);
        await put('a/1', 2);
        await put('a/2', 3);
        await put('b/1', 4);
        await store.deleteObject({ bucketId: bucket.id, key: 'a/2', nowMs: 2, ownerId: 'owner' });
      });

      it('pages current versions under a prefix, and every version and marker newest first', async () => {
        const current = await store.scanInventory(bucket.id, { currentOnly: true, prefix: 'a/', limit: 10 });
        expect(current.map((r) => [r.key, r.size])).toEqual([['a/1', 2]]);
        const all = await store.scanInventory(bucket.id, { currentOnly: false, limit: 10 });
        expect(all.map((r) => [r.key, r.size, r.isLatest, r.isDeleteMarker])).toEqual([
          ['a/1', 2, true, false],
          ['a/1', 1, false, false],
          ['a/2', 0, true, true],
          ['a/2', 3, false, false],
          ['b/1', 4, true, false],
        ]);
        const first = await store.scanInventory(bucket.id, { currentOnly: false, limit: 2 });
        const rest = await store.scanInventory(bucket.id, {
          currentOnly: false,
          after: { key: first[1]!.key, seq: first[1]!.seq },
          limit: 10,
        });
        expect([...first, ...rest]).toEqual(all);
      });

      it('remembers each configuration’s last run', async () => {
        expect(await store.getInventoryRun(bucket.id, 'd')).toBeUndefined();
        await store.saveInventoryRun(bucket.id, 'd', { lastStartedMs: 5, lastFinishedMs: 5, lastManifestKey: 'm' });
        await store.saveInventoryRun(bucket.id, 'd', {
          lastStartedMs: 9,
          lastFinishedMs: 5,
          lastManifestKey: 'm',
          lastError: 'x',
        });
        expect(await store.getInventoryRun(bucket.id, 'd')).toEqual({
          lastStartedMs: 9,
          lastFinishedMs: 5,
          lastManifestKey: 'm',
          lastError: 'x',
        });
      });
    });
  });
}

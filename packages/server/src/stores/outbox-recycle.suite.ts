import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BucketRecord, MetadataStore, NewObjectVersion, OutboxEntry, WriteOutcome } from './types.js';
import { RECYCLE_CONFIG } from './types.js';

function newVersion(overrides: Partial<NewObjectVersion> = {}): NewObjectVersion {
  return {
    isDeleteMarker: false,
    size: 3,
    etag: 'abc',
    lastModifiedMs: 1_700_000_000_000,
    storageClass: 'STANDARD',
    objectType: 'normal',
    ownerId: 'owner',
    contentHeaders: {},
    userMeta: {},
    checksums: {},
    manifest: [],
    ...overrides,
  };
}

/**
 * The notification outbox and recycle bin part of the MetadataStore contract: events are recorded
 * in the transaction of the write (a refused write records nothing), removals recycle when the
 * bucket says so. Every implementation runs it beside metaStoreSuite.
 */
export function outboxRecycleSuite(name: string, open: () => Promise<MetadataStore>): void {
  describe(`MetadataStore outbox and recycle bin: ${name}`, () => {
    let store: MetadataStore;
    let bucket: BucketRecord;
    const seen: WriteOutcome[] = [];
    const record = (outcome: WriteOutcome): OutboxEntry[] => {
      seen.push(outcome);
      const key = outcome.kind === 'removed' ? outcome.key : outcome.version.key;
      return [{ target: 'webhook:t', key, payload: JSON.stringify(outcome.kind) }];
    };

    beforeEach(async () => {
      seen.length = 0;
      store = await open();
      bucket = await store.createBucket({ name: 'b1', ownerId: 'owner', region: 'r', createdMs: 1 });
    });
    afterEach(async () => {
      await store.close();
    });

    it('records events with the write, in order, and none for a refused write', async () => {
      await store.commitObject({ bucketId: bucket.id, key: 'k', version: newVersion(), newBlobs: [], events: record });
      await expect(
        store.commitObject({
          bucketId: bucket.id,
          key: 'k',
          version: newVersion(),
          newBlobs: [],
          events: record,
          precondition: () => {
            throw new Error('refused');
          },
        }),
      ).rejects.toThrow('refused');
      await store.deleteObject({ bucketId: bucket.id, key: 'k', nowMs: 2, ownerId: 'owner', events: record });
      const batch = await store.outboxBatch('webhook:t', 10);
      expect(batch.map((e) => [e.key, e.payload])).toEqual([
        ['k', '"created"'],
        ['k', '"removed"'],
      ]);
      expect(seen.map((o) => o.kind)).toEqual(['created', 'removed']);
      expect(await store.outboxBacklog()).toEqual([{ target: 'webhook:t', count: 2, oldestMs: batch[0]!.createdMs }]);
      await store.outboxFailed([batch[0]!.id], 'down');
      expect((await store.outboxBatch('webhook:t', 1))[0]).toMatchObject({ attempts: 1, lastError: 'down' });
      await store.outboxDelivered([batch[0]!.id]);
      expect((await store.outboxBatch('webhook:t', 10)).map((e) => e.id)).toEqual([batch[1]!.id]);
      expect(await store.outboxDeadLetter('webhook:t', Date.now() + 1, 5)).toBe(1);
      expect(await store.outboxBacklog()).toEqual([]);
      expect(await store.deadLetters(10)).toMatchObject([{ id: batch[1]!.id, deadMs: 5 }]);
    });

    it('records one event per write for writes committed together (group commit), none for the refused ones', async () => {
      await store.setBucketConfig(bucket.id, RECYCLE_CONFIG, JSON.stringify({ days: 1 }));
      await store.commitObject({ bucketId: bucket.id, key: 'k0', version: newVersion(), newBlobs: [], events: record });
      // Issued in one turn of the event loop: a store that batches writes commits them together.
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          store.commitObject({
            bucketId: bucket.id,
            key: `k${i % 6}`,
            version: newVersion({ size: i }),
            newBlobs: [],
            events: record,
            precondition: () => {
              if (i === 5) throw new Error('refused');
            },
          }),
        ),
      );
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
      const events = await store.outboxBatch('webhook:t', 100);
      expect(events).toHaveLength(12);
      expect(new Set(events.map((e) => e.id)).size).toBe(12);
      expect(events.filter((e) => e.key === 'k5')).toHaveLength(1);
      // Every overwrite of the 'null' version went to the bin: k0's twice, k1–k4's once (k5 was written once).
      const bin = await store.listRecycled(bucket.id, { prefix: '', limit: 100 });
      expect(bin.map((e) => e.key)).toEqual(['k0', 'k0', 'k1', 'k2', 'k3', 'k4']);
      expect((await store.bucketUsage(bucket.id)).recycled.count).toBe(6);
    });

    it('recycles removed and overwritten versions when the bucket keeps them, and restores them', async () => {
      await store.setBucketConfig(bucket.id, RECYCLE_CONFIG, JSON.stringify({ days: 1 }));
      await store.commitObject({ bucketId: bucket.id, key: 'a', version: newVersion({ etag: 'one' }), newBlobs: [] });
      await store.commitObject({ bucketId: bucket.id, key: 'a', version: newVersion({ etag: 'two' }), newBlobs: [] });
      await store.deleteObject({ bucketId: bucket.id, key: 'a', nowMs: 1000, ownerId: 'deleter' });
      const bin = await store.listRecycled(bucket.id, { prefix: '', limit: 10 });
      expect(bin.map((e) => [e.key, e.etag, e.deletedBy])).toEqual([
        ['a', 'one', 'owner'],
        ['a', 'two', 'deleter'],
      ]);
      expect(bin[1]!.purgeMs).toBe(1000 + 86_400_000);
      const restored = await store.restoreRecycled({ bucketId: bucket.id, id: bin[0]!.id, toKey: 'b', nowMs: 5 });
      expect(restored).toMatchObject({ key: 'b', etag: 'one', lastModifiedMs: 5 });
      expect((await store.getObject(bucket.id, 'b'))?.etag).toBe('one');
      await expect(
        store.restoreRecycled({ bucketId: bucket.id, id: bin[0]!.id, toKey: 'b', nowMs: 5 }),
      ).rejects.toMatchObject({ reason: 'not-found' });
      expect((await store.bucketUsage(bucket.id)).recycled).toEqual({ count: 1, bytes: 3 });
      expect(await store.bucketUsage(bucket.id)).toEqual(await store.recountBucketUsage(bucket.id));
      expect(await store.purgeRecycled(1000 + 86_400_000, 10)).toEqual({ count: 1, bytes: 3 });
      expect(await store.listRecycled(bucket.id, { prefix: '', limit: 10 })).toEqual([]);
      expect((await store.bucketUsage(bucket.id)).recycled).toEqual({ count: 0, bytes: 0 });
    });

    it('keeps an inline body while the bin holds it: not garbage, restored with its bytes, freed by the purge', async () => {
      await store.setBucketConfig(bucket.id, RECYCLE_CONFIG, JSON.stringify({ days: 1 }));
      const blobId = randomBytes(16).toString('hex');
      const body = Buffer.from('tiny');
      await store.commitObject({
        bucketId: bucket.id,
        key: 'small',
        version: newVersion({
          size: body.length,
          manifest: [{ blobId, offset: 0, length: body.length, inline: true }],
        }),
        newBlobs: [{ id: blobId, size: body.length, body }],
      });
      await store.deleteObject({ bucketId: bucket.id, key: 'small', nowMs: 1000, ownerId: 'owner' });
      expect(await store.getObject(bucket.id, 'small')).toBeUndefined();
      // The bin holds the blob's reference: the GC must not take the body.
      expect(await store.claimGarbage(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
      expect(await store.readInlineBlob(blobId)).toEqual(body);
      expect((await store.bucketUsage(bucket.id)).recycled).toEqual({ count: 1, bytes: body.length });

      const [entry] = await store.listRecycled(bucket.id, { prefix: '', limit: 10 });
      await store.restoreRecycled({ bucketId: bucket.id, id: entry!.id, toKey: 'small', nowMs: 2000 });
      const restored = await store.getObject(bucket.id, 'small');
      expect(restored?.manifest).toMatchObject([{ blobId, inline: true, body }]);
      expect(await store.claimGarbage(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);

      // Recycled again, then purged: now the body is garbage, and forgetting it drops the bytes.
      await store.deleteObject({ bucketId: bucket.id, key: 'small', nowMs: 3000, ownerId: 'owner' });
      expect(await store.purgeRecycled(3000 + 86_400_000, 10)).toEqual({ count: 1, bytes: body.length });
      expect(await store.claimGarbage(Number.MAX_SAFE_INTEGER, 10)).toEqual([{ id: blobId, inline: true }]);
      await store.forgetGarbage([blobId]);
      expect(await store.readInlineBlob(blobId)).toBeUndefined();
      expect(await store.bucketUsage(bucket.id)).toEqual(await store.recountBucketUsage(bucket.id));
    });
  });
}

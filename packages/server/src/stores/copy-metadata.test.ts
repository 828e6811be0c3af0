import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareMetadata, copyMetadata } from './copy-metadata.js';
import { createTestDatabase } from './pg/pg.fixture.js';
import { PgDb } from './pg/pg-db.js';
import { PgMetaStore } from './pg/pg-meta-store.js';
import { SqliteKmsKeyStore } from './sqlite/kms-keys.js';
import { SqliteObjectAccessStore } from './sqlite/object-access.js';
import { SqliteDb } from './sqlite/sqlite-db.js';
import { SqliteMetaStore } from './sqlite/sqlite-meta-store.js';
import { RECYCLE_CONFIG } from './types.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe('copying SQLite metadata into PostgreSQL', () => {
  it('verifies every table, and the checksum notices one changed row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-copy-'));
    const file = join(dir, 'meta.db');
    const meta = new SqliteMetaStore({ filename: file, fsync: false });
    const bucket = await meta.createBucket({ name: 'b', ownerId: 'o', region: 'r', createdMs: 1 });
    const seqs: number[] = [];
    for (const key of ['a/1', 'a/2', 'b\u0000/3']) {
      const { version } = await meta.commitObject({
        bucketId: bucket.id,
        key,
        newBlobs: [{ id: `blob-${key.length}-${key.charCodeAt(0)}-${key.at(-1)}`, size: 2, body: Buffer.from('hi') }],
        version: {
          isDeleteMarker: false,
          size: 2,
          etag: 'e',
          lastModifiedMs: 1,
          storageClass: 'STANDARD',
          objectType: 'normal',
          ownerId: 'o',
          contentHeaders: {},
          userMeta: {},
          checksums: {},
          manifest: [
            { blobId: `blob-${key.length}-${key.charCodeAt(0)}-${key.at(-1)}`, offset: 0, length: 2, inline: true },
          ],
        },
      });
      seqs.push(version.seq);
    }
    // A row in each table main's later features added: an account, a recycled version with its event,
    // a sealed access log batch, an inventory run, a KMS key and a last access.
    await meta.createAccount({
      appId: '1250000000',
      uin: '100',
      name: 'default',
      createdMs: 1,
      suspended: false,
      operator: true,
    });
    await meta.setBucketConfig(bucket.id, RECYCLE_CONFIG, '{"days":1}');
    await meta.deleteObject({
      bucketId: bucket.id,
      key: 'a/1',
      nowMs: 2,
      ownerId: 'o',
      events: () => [{ target: 'webhook:t', key: 'a/1', payload: '{}' }],
    });
    const stream = {
      sourceBucket: 'b',
      targetBucket: 'b',
      targetPrefix: 'logs/',
      format: 's3',
      keyFormat: 'simple',
    } as const;
    await meta.appendAccessLog([{ ...stream, line: 'one' }]);
    await meta.sealAccessLogBatches(3, 100);
    await meta.saveInventoryRun(bucket.id, 'inv', { lastStartedMs: 4 });
    await new SqliteKmsKeyStore(meta.shared()).createKey({
      keyId: 'k',
      description: '',
      enabled: true,
      createdMs: 5,
      versions: [{ version: 1, wrapped: 'w', createdMs: 5 }],
    });
    await new SqliteObjectAccessStore(meta.shared()).touch({ bucketId: bucket.id, key: 'a/2', seq: seqs[1]! }, 6);
    await meta.addRequestCounts([
      { minuteMs: 60_000, bucket: 'b', operation: 'GetObject', requests: 3, errors: 1, bytesIn: 0, bytesOut: 9 },
    ]);
    await meta.close();
    const source = new SqliteDb({ filename: file, fsync: false });
    const target = await PgDb.open({ url: database.url, schema: 'copy' });
    try {
      const checks = await copyMetadata(source.db, target.pool);
      expect(checks.filter((c) => !c.matches)).toEqual([]);
      expect(checks.find((c) => c.table === 'objects')?.rows).toBe(2);
      for (const table of [
        'recycled',
        'outbox',
        'accounts',
        'access_log',
        'access_log_batches',
        'inventory_runs',
        'kms_key_versions',
        'object_access',
        'request_counts',
      ])
        expect(checks.find((c) => c.table === table)?.rows, table).toBe(1);
      await target.pool.query("UPDATE blob_bodies SET body = '\\x6869ff' WHERE id = (SELECT min(id) FROM blob_bodies)");
      const after = await compareMetadata(source.db, target.pool);
      expect(after.filter((c) => !c.matches).map((c) => c.table)).toEqual(['blob_bodies']);
      // The PostgreSQL store reads what was copied: the bin's entry (SQLite's form of it) restores.
      const pgMeta = await PgMetaStore.open({ url: database.url, schema: 'copy' });
      try {
        const [entry] = await pgMeta.listRecycled(bucket.id, { prefix: '', limit: 10 });
        expect(entry).toMatchObject({ key: 'a/1', deletedBy: 'o' });
        await pgMeta.restoreRecycled({ bucketId: bucket.id, id: entry!.id, toKey: 'a/1', nowMs: 7 });
        expect((await pgMeta.getObject(bucket.id, 'a/1'))?.size).toBe(2);
        // Chunk ids continue after SQLite's: the new chunk is sealed into a batch of its own.
        await pgMeta.appendAccessLog([{ ...stream, line: 'two' }]);
        expect(await pgMeta.sealAccessLogBatches(8, 100)).toBe(1);
        expect((await pgMeta.dueAccessLogBatches(9, 10)).map((b) => b.records)).toEqual([1, 1]);
        expect(await pgMeta.requestCounts({ sinceMs: 0, untilMs: 120_000, stepMs: 120_000 })).toEqual([
          { startMs: 0, operation: 'GetObject', requests: 3, errors: 1, bytesIn: 0, bytesOut: 9 },
        ]);
      } finally {
        await pgMeta.close();
      }
    } finally {
      await target.close();
      await source.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareMetadata, copyMetadata } from './copy-metadata.js';
import { createTestDatabase } from './pg/pg.fixture.js';
import { PgDb } from './pg/pg-db.js';
import { SqliteDb } from './sqlite/sqlite-db.js';
import { SqliteMetaStore } from './sqlite/sqlite-meta-store.js';

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
    for (const key of ['a/1', 'a/2', 'b\u0000/3']) {
      await meta.commitObject({
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
    }
    await meta.close();
    const source = new SqliteDb({ filename: file, fsync: false });
    const target = await PgDb.open({ url: database.url, schema: 'copy' });
    try {
      const checks = await copyMetadata(source.db, target.pool);
      expect(checks.filter((c) => !c.matches)).toEqual([]);
      expect(checks.find((c) => c.table === 'objects')?.rows).toBe(3);
      await target.pool.query("UPDATE blob_bodies SET body = '\\x6869ff' WHERE id = (SELECT min(id) FROM blob_bodies)");
      const after = await compareMetadata(source.db, target.pool);
      expect(after.filter((c) => !c.matches).map((c) => c.table)).toEqual(['blob_bodies']);
    } finally {
      await target.close();
      await source.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

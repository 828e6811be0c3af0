import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations.js';
import { SqliteMetaStore } from './sqlite-meta-store.js';

/** The schema before live usage (migration 11): what a database written by an older Coffer holds. */
const BEFORE_USAGE = 10;

describe('migration 11 (live usage, folder bytes)', () => {
  it('counts what an older database already holds: live figures equal a recount', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'coffer-usage-mig-')), 'meta.db');
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    for (let i = 0; i < BEFORE_USAGE; i++) db.exec(MIGRATIONS[i]!);
    db.pragma(`user_version = ${BEFORE_USAGE}`);
    db.prepare("INSERT INTO buckets (id, name, owner_id, region, created_ms) VALUES (1, 'b', 'o', 'r', 0)").run();
    const insert = db.prepare(`INSERT INTO objects (bucket_id, key, seq, version_id, is_latest, is_delete_marker, size,
      etag, last_modified_ms, storage_class, object_type, owner_id, content_headers, user_meta, checksums, manifest)
      VALUES (1, ?, ?, ?, ?, ?, ?, '', 0, ?, 'normal', 'o', '{}', '{}', '{}', '[]')`);
    let seq = 0;
    const rows: [key: string, latest: number, marker: number, size: number, cls: string][] = [
      ['a/b/c.txt', 1, 0, 10, 'STANDARD'],
      ['a/b/c.txt', 0, 0, 7, 'STANDARD'],
      ['a/d.txt', 1, 0, 20, 'STANDARD_IA'],
      ['a/gone', 1, 1, 0, 'STANDARD'],
      ['a/gone', 0, 0, 5, 'STANDARD'],
      ['top', 1, 0, 3, 'STANDARD'],
    ];
    for (const [key, latest, marker, size, cls] of rows) insert.run(key, ++seq, `v${seq}`, latest, marker, size, cls);
    db.prepare(`INSERT INTO uploads (id, upload_id, bucket_id, key, initiated_ms, owner_id, storage_class,
      content_headers, user_meta) VALUES (1, 'u1', 1, 'a/up', 0, 'o', 'STANDARD', '{}', '{}')`).run();
    db.prepare(`INSERT INTO parts (upload_row, part_number, size, etag, checksums, last_modified_ms, manifest)
      VALUES (1, 1, 100, '', '{}', 0, '[]'), (1, 2, 50, '', '{}', 0, '[]')`).run();
    db.close();

    const store = new SqliteMetaStore({ filename: file, fsync: false });
    try {
      const live = await store.bucketUsage(1);
      expect(live).toEqual(await store.recountBucketUsage(1));
      expect(live).toEqual({
        objects: { STANDARD: { count: 2, bytes: 13 }, STANDARD_IA: { count: 1, bytes: 20 } },
        noncurrentVersions: { count: 2, bytes: 12 },
        deleteMarkers: 1,
        incompleteUploads: { count: 1, parts: 2, bytes: 150 },
        recycled: { count: 0, bytes: 0 },
      });
      for (const prefix of ['', 'a/', 'a/b/', 'a/b', 'a/d', 't', 'x/']) {
        expect(await store.folderUsage(1, prefix)).toEqual(await store.folderUsage(1, prefix, true));
      }
      expect(await store.folderUsage(1, 'a/')).toEqual({ count: 2, bytes: 30 });

      // An upload aborted (its parts go by the cascade) leaves nothing behind.
      await store.abortUpload('u1', 0);
      expect((await store.bucketUsage(1)).incompleteUploads).toEqual({ count: 0, parts: 0, bytes: 0 });
    } finally {
      await store.close();
    }
  });
});

import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { metadataUrlOf } from './server.js';

/**
 * Where a server keeps blob bytes: files under `<dataDir>/blobs/<2 hex>/<id>`, and the bodies of
 * inline blobs (small objects and parts) in the metadata database's `blob_bodies` table. Both stay
 * until the GC deletes them, so tests about what a write stores or a deletion frees count both.
 */

/**
 * Inline blob bodies in `<dataDir>/meta.db`, by blob id (read through a read-only connection), or in
 * the server's PostgreSQL database when its metadata is there (read with psql, so this stays synchronous).
 */
export function inlineBodies(dataDir: string): Map<string, Buffer> {
  const url = metadataUrlOf(dataDir);
  if (url !== undefined) {
    const out = execFileSync('psql', [url, '-Atc', "SELECT id || '|' || encode(body, 'hex') FROM blob_bodies"], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    return new Map(
      out
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const [id, hex] = line.split('|');
          return [id!, Buffer.from(hex!, 'hex')];
        }),
    );
  }
  const db = new Database(path.join(dataDir, 'meta.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT id, body FROM blob_bodies').all() as { id: string; body: Buffer }[];
    return new Map(rows.map((r) => [r.id, r.body]));
  } finally {
    db.close();
  }
}

/** Blob files on disk, by id, with their sizes. */
export async function blobFileSizes(dataDir: string): Promise<Map<string, number>> {
  const root = path.join(dataDir, 'blobs');
  const out = new Map<string, number>();
  for (const fanout of await fs.readdir(root)) {
    for (const name of await fs.readdir(path.join(root, fanout))) {
      out.set(name, (await fs.stat(path.join(root, fanout, name))).size);
    }
  }
  return out;
}

/** Every stored blob, files and inline bodies, by id, with its size in bytes. */
export async function storedBlobSizes(dataDir: string): Promise<Map<string, number>> {
  const out = await blobFileSizes(dataDir);
  for (const [id, body] of inlineBodies(dataDir)) out.set(id, body.length);
  return out;
}

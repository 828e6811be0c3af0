import fs from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { openDataDir, StartupError } from './data-dir.js';
import { copyMetadata, type TableCheck } from './stores/copy-metadata.js';
import { PgDb } from './stores/pg/pg-db.js';
import { SqliteDb } from './stores/sqlite/sqlite-db.js';

export type { TableCheck } from './stores/copy-metadata.js';

/**
 * `coffer migrate --from ./data --to postgres://…`: copies an embedded deployment's metadata (the
 * data directory's meta.db) into PostgreSQL and checks every table's row count and checksum. The
 * data directory is locked meanwhile (no server may be running on it); the blobs stay where they are,
 * and a server started with `--data` on the same directory and `--metadata` on the target serves them.
 *
 * @example
 * const checks = await migrateMetadata({ from: './data', to: 'postgres://postgres@127.0.0.1:5432/coffer' });
 * if (checks.some((c) => !c.matches)) process.exitCode = 1;
 */
export async function migrateMetadata(options: { from: string; to: string }): Promise<TableCheck[]> {
  const metaFile = path.join(path.resolve(options.from), 'meta.db');
  if (!(await fs.stat(metaFile).catch(() => undefined)))
    throw new StartupError(`${options.from} holds no metadata (no meta.db): nothing to migrate`);
  const lock = await openDataDir(options.from, pino({ level: 'silent' }));
  try {
    // Opening brings the source up to this Coffer's SQLite schema, the one the copy expects.
    const source = new SqliteDb({ filename: metaFile, fsync: false });
    try {
      const target = await PgDb.open({ url: options.to });
      try {
        return await copyMetadata(source.db, target.pool);
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
    }
  } finally {
    await lock.release();
  }
}

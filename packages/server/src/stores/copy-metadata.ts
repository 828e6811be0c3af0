import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { escapeKey, unescapeKey } from './pg/keys.js';

/** Tables copied row by row, parents before children (foreign keys). */
const COPIED = [
  'buckets',
  'bucket_configs',
  'objects',
  'blobs',
  'pending_blobs',
  'gc_queue',
  'blob_bodies',
  'leases',
  'uploads',
  'parts',
  'completed_uploads',
  'lifecycle_runs',
  'lifecycle_stats',
  'users',
  'access_keys',
  'user_policies',
  'outbox',
  'outbox_dead',
  'recycled',
  'access_log_streams',
  'access_log',
  'access_log_batches',
  'inventory_runs',
  'accounts',
  'kms_keys',
  'kms_key_versions',
  'object_access',
  'request_counts',
];
/** Tables PostgreSQL's triggers rebuild from the copied rows; compared, not copied. */
const DERIVED = ['dirs', 'bucket_usage'];
/**
 * What a table is read from on PostgreSQL for the comparison: bucket_usage there is kept in shards
 * (pg/migrations.ts, migration 4), compared as their sums, one row per bucket, kind and class as on SQLite.
 */
const PG_SOURCE: Record<string, string> = {
  bucket_usage: `(SELECT bucket_id, kind, storage_class, sum(count)::bigint AS count, sum(bytes)::bigint AS bytes
    FROM bucket_usage GROUP BY bucket_id, kind, storage_class) AS bucket_usage`,
};
/** SQLite's own helpers, with no PostgreSQL counterpart. */
const SQLITE_ONLY = new Set(['key_positions', 'dirs_unusable']);
/** Columns holding object keys: escaped on their way into PostgreSQL (pg/keys.ts). */
const KEY_COLUMNS: Record<string, string[]> = {
  objects: ['key'],
  uploads: ['key'],
  completed_uploads: ['key'],
  dirs: ['path', 'parent'],
  recycled: ['key'],
  outbox: ['key'],
  outbox_dead: ['key'],
};
/**
 * Rows the comparison skips. SQLite keeps usage rows whose count fell to zero, PostgreSQL rebuilds
 * none. SQLite's directory index leaves out buckets that ever held a key with U+0000 (its string
 * functions stop there: dirs_unusable), which PostgreSQL indexes in full.
 */
function comparedRows(table: string, unusable: number[]): string {
  if (table === 'bucket_usage') return 'WHERE count <> 0 OR bytes <> 0';
  if (table === 'dirs' && unusable.length > 0) return `WHERE bucket_id NOT IN (${unusable.map(Number).join(', ')})`;
  return '';
}
/**
 * Tables whose `id` is an identity column: its sequence continues after the copied ids, and after
 * SQLite's AUTOINCREMENT counter (sqlite_sequence), so an id is never reused: an access log stream's
 * sealed_id may name chunks already delivered and deleted.
 */
const IDENTITIES = [
  'buckets',
  'objects',
  'uploads',
  'lifecycle_runs',
  'outbox',
  'recycled',
  'access_log_streams',
  'access_log',
  'access_log_batches',
];

export interface TableCheck {
  table: string;
  rows: number;
  /** SHA-256 of every row (its columns in name order), XORed together: independent of row order. */
  checksum: string;
  /** Whether PostgreSQL has the same count and checksum. */
  matches: boolean;
}

/**
 * Copies an embedded deployment's metadata (SQLite, migrated to the current schema) into an empty
 * PostgreSQL schema (migrated by PgDb.open), in one transaction, then compares every table, the ones
 * triggers rebuilt (usage, directories) included: row counts and a checksum of the rows. Refuses a
 * target that already holds metadata, and a source table it does not know (a newer Coffer's).
 */
export async function copyMetadata(source: Database.Database, target: pg.Pool): Promise<TableCheck[]> {
  const tables = knownTables(source);
  const client = await target.connect();
  try {
    const { rows: held } = await client.query(
      'SELECT (SELECT count(*) FROM buckets) + (SELECT count(*) FROM users) + (SELECT count(*) FROM blobs) AS n',
    );
    if (Number(held[0].n) > 0) throw new Error('the target database already holds metadata: migrate into an empty one');
    await client.query('BEGIN');
    try {
      for (const table of COPIED) if (tables.includes(table)) await copyTable(source, client, table);
      for (const table of IDENTITIES) {
        if (!tables.includes(table)) continue;
        await client.query(
          `SELECT setval(pg_get_serial_sequence('${table}', 'id'), greatest(coalesce(max(id), 0), $1) + 1, false)
           FROM ${table}`,
          [sqliteSequence(source, table)],
        );
      }
      await client.query("SELECT setval('object_seq', coalesce(max(seq), 0) + 1, false) FROM objects");
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }
  } finally {
    client.release();
  }
  return compareMetadata(source, target);
}

/** The highest id SQLite's AUTOINCREMENT handed out in a table (0 if none, or not AUTOINCREMENT). */
function sqliteSequence(source: Database.Database, table: string): number {
  const has = source.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'").get();
  if (!has) return 0;
  return (
    (source.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck().get(table) as number | undefined) ?? 0
  );
}

/** The tables of the source to copy and compare; throws on one this Coffer does not know. */
function knownTables(source: Database.Database): string[] {
  const tables = (
    source.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as {
      name: string;
    }[]
  )
    .map((r) => r.name)
    .filter((name) => !SQLITE_ONLY.has(name));
  const unknown = tables.filter((t) => !COPIED.includes(t) && !DERIVED.includes(t));
  if (unknown.length > 0) throw new Error(`tables this migration does not know: ${unknown.join(', ')}`);
  return tables;
}

/**
 * Compares every table of an embedded deployment's metadata with PostgreSQL's: row count and a
 * checksum of the rows (SHA-256 of each row's columns, XORed: row order does not matter).
 */
export async function compareMetadata(source: Database.Database, target: pg.Pool): Promise<TableCheck[]> {
  const tables = knownTables(source);
  const unusable = tables.includes('dirs')
    ? (source.prepare('SELECT bucket_id FROM dirs_unusable').pluck().all() as number[])
    : [];
  const client = await target.connect();
  try {
    const checks: TableCheck[] = [];
    for (const table of [...COPIED, ...DERIVED]) {
      if (!tables.includes(table)) continue;
      const columns = columnsOf(source, table);
      const where = comparedRows(table, unusable);
      const mine = await checksumSqlite(source, table, columns, where);
      const theirs = await checksumPg(client, table, columns, where);
      checks.push({ table, ...mine, matches: mine.rows === theirs.rows && mine.checksum === theirs.checksum });
    }
    return checks;
  } finally {
    client.release();
  }
}

function columnsOf(source: Database.Database, table: string): string[] {
  return (source.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name).sort();
}

async function copyTable(source: Database.Database, client: pg.PoolClient, table: string): Promise<void> {
  const columns = columnsOf(source, table);
  const { rows: pgColumns } = await client.query(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'`,
    [table],
  );
  const known = new Set(pgColumns.map((c: { column_name: string }) => c.column_name));
  const missing = columns.filter((c) => !known.has(c));
  if (missing.length > 0) throw new Error(`PostgreSQL's ${table} has no column ${missing.join(', ')}`);
  const keyColumns = new Set(KEY_COLUMNS[table] ?? []);
  // PostgreSQL takes at most 65,535 parameters per statement.
  const perBatch = Math.max(1, Math.floor(30_000 / columns.length));
  let batch: unknown[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const values: unknown[] = [];
    const tuples = batch.map((row) => {
      const start = values.length;
      values.push(...row);
      return `(${row.map((_, i) => `$${start + i + 1}`).join(', ')})`;
    });
    await client.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values);
    batch = [];
  };
  for (const row of source.prepare(`SELECT ${columns.join(', ')} FROM ${table}`).iterate() as Iterable<
    Record<string, unknown>
  >) {
    batch.push(columns.map((c) => (keyColumns.has(c) && typeof row[c] === 'string' ? escapeKey(row[c]) : row[c])));
    if (batch.length >= perBatch) await flush();
  }
  await flush();
}

/** A row's hash: its values in column order, buffers as hex, so both databases' rows hash alike. */
function rowHash(values: unknown[]): Buffer {
  const canonical = values.map((v) =>
    Buffer.isBuffer(v) ? `x${v.toString('hex')}` : typeof v === 'bigint' ? Number(v) : (v ?? null),
  );
  return createHash('sha256').update(JSON.stringify(canonical)).digest();
}

function xorInto(sum: Buffer, hash: Buffer): void {
  for (let i = 0; i < sum.length; i++) sum[i]! ^= hash[i]!;
}

async function checksumSqlite(
  source: Database.Database,
  table: string,
  columns: string[],
  where: string,
): Promise<{ rows: number; checksum: string }> {
  const sum = Buffer.alloc(32);
  let rows = 0;
  const statement = source.prepare(`SELECT ${columns.join(', ')} FROM ${table} ${where}`).raw();
  for (const row of statement.iterate() as Iterable<unknown[]>) {
    xorInto(sum, rowHash(row));
    rows++;
  }
  return { rows, checksum: sum.toString('hex') };
}

async function checksumPg(
  client: pg.PoolClient,
  table: string,
  columns: string[],
  where: string,
): Promise<{ rows: number; checksum: string }> {
  const keyColumns = new Set(KEY_COLUMNS[table] ?? []);
  const sum = Buffer.alloc(32);
  let rows = 0;
  // Through a cursor, in pages: a large table is never in memory whole.
  await client.query('BEGIN READ ONLY');
  try {
    await client.query(
      `DECLARE rows_of_table NO SCROLL CURSOR FOR SELECT ${columns.join(', ')} FROM ${PG_SOURCE[table] ?? table} ${where}`,
    );
    for (;;) {
      const { rows: page } = await client.query({ text: 'FETCH 10000 FROM rows_of_table', rowMode: 'array' });
      for (const row of page as unknown[][]) {
        xorInto(
          sum,
          rowHash(row.map((v, i) => (keyColumns.has(columns[i]!) && typeof v === 'string' ? unescapeKey(v) : v))),
        );
        rows++;
      }
      if (page.length < 10_000) break;
    }
  } finally {
    await client.query('COMMIT');
  }
  return { rows, checksum: sum.toString('hex') };
}

import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AccessLogBatch, AccessLogRecord, AccessLogSpool, AccessLogStream } from '../access-log.js';
import type { SqliteDb } from './sqlite-db.js';
import type { Statement } from './statements.js';
import type { WriteBatcher } from './write-batcher.js';

/** A sealed batch joined with its stream, as both stores read it. */
export interface BatchRow {
  id: number;
  stream_id: number;
  first_id: number;
  last_id: number;
  records: number;
  sealed_ms: number;
  attempts: number;
  last_error: string | null;
  source_bucket: string;
  target_bucket: string;
  target_prefix: string;
  format: 's3' | 'cos';
  key_format: 'simple' | 'partitioned';
}

export function toAccessLogBatch(r: BatchRow): AccessLogBatch {
  return {
    id: r.id,
    firstId: r.first_id,
    lastId: r.last_id,
    records: r.records,
    sealedMs: r.sealed_ms,
    attempts: r.attempts,
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    sourceBucket: r.source_bucket,
    targetBucket: r.target_bucket,
    targetPrefix: r.target_prefix,
    format: r.format,
    keyFormat: r.key_format,
  };
}

/** One line per stream identity: the key both stores' stream tables are unique on. */
export function streamName(stream: AccessLogStream): string {
  return `${stream.sourceBucket}\n${stream.targetBucket}\n${stream.targetPrefix}\n${stream.format}\n${stream.keyFormat}`;
}

/**
 * The access log spool in SQLite (migration 16). Each append is one row per stream (a chunk: its
 * record count and lines), committed lazily with the next group commit. Sealing a stream records the
 * highest chunk id it has put in a batch (`sealed_id`): later chunks are the next batch's.
 */
export class SqliteAccessLog implements AccessLogSpool {
  readonly #writes: WriteBatcher;
  readonly #streamIds = new Map<string, number>();
  readonly #s: Record<string, Statement>;

  constructor(sqlite: SqliteDb) {
    this.#writes = sqlite.writes;
    const p = (sql: string): Statement => sqlite.db.prepare(sql);
    this.#s = {
      streamId: p(
        `SELECT id FROM access_log_streams
          WHERE source_bucket = ? AND target_bucket = ? AND target_prefix = ? AND format = ? AND key_format = ?`,
      ).pluck(),
      insertStream: p(
        `INSERT INTO access_log_streams (source_bucket, target_bucket, target_prefix, format, key_format)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      insertChunk: p('INSERT INTO access_log (stream_id, records, lines) VALUES (?, ?, ?)'),
      streams: p('SELECT id, sealed_id FROM access_log_streams'),
      unsealed: p('SELECT id, records FROM access_log WHERE stream_id = ? AND id > ? ORDER BY id'),
      insertBatch: p(
        'INSERT INTO access_log_batches (stream_id, first_id, last_id, records, sealed_ms) VALUES (?, ?, ?, ?, ?)',
      ),
      setSealed: p('UPDATE access_log_streams SET sealed_id = ? WHERE id = ?'),
      due: p(
        `SELECT b.*, s.source_bucket, s.target_bucket, s.target_prefix, s.format, s.key_format
           FROM access_log_batches b JOIN access_log_streams s ON s.id = b.stream_id
          WHERE b.next_attempt_ms <= ? ORDER BY b.id LIMIT ?`,
      ),
      readBatch: p('SELECT id, lines FROM access_log WHERE stream_id = ? AND id > ? AND id <= ? ORDER BY id LIMIT ?'),
      batchById: p('SELECT * FROM access_log_batches WHERE id = ?'),
      deleteRange: p('DELETE FROM access_log WHERE stream_id = ? AND id >= ? AND id <= ?'),
      deleteBatch: p('DELETE FROM access_log_batches WHERE id = ?'),
      failBatch: p(
        'UPDATE access_log_batches SET attempts = attempts + 1, next_attempt_ms = ?, last_error = ? WHERE id = ?',
      ),
      backlog: p(
        `SELECT (SELECT coalesce(sum(records), 0) FROM access_log) AS records,
                (SELECT count(*) FROM access_log_batches) AS batches,
                (SELECT count(*) FROM access_log_batches WHERE attempts > 0) AS failing`,
      ),
    };
  }

  #streamId(stream: AccessLogStream): number {
    const name = streamName(stream);
    const cached = this.#streamIds.get(name);
    if (cached !== undefined) return cached;
    const args = [stream.sourceBucket, stream.targetBucket, stream.targetPrefix, stream.format, stream.keyFormat];
    const found = this.#s.streamId!.get(...args) as number | undefined;
    // Stream rows are never deleted, so a cached id stays right (also after a rolled-back insert: the
    // id is cached only once the row is read back or inserted in a transaction that then commits).
    const id = found ?? Number(this.#s.insertStream!.run(...args).lastInsertRowid);
    if (found !== undefined) this.#streamIds.set(name, id);
    return id;
  }

  /**
   * Lazy: records are committed with the next batch and fsynced by the next eager write's fsync (or
   * within a second), so logging adds no fsync of its own to a loaded server. A process crash loses
   * nothing committed (WAL); power loss may lose the last second of records.
   */
  appendAccessLog(records: AccessLogRecord[]): Promise<void> {
    const chunks = new Map<string, { stream: AccessLogStream; lines: string[] }>();
    for (const record of records) {
      const name = streamName(record);
      const chunk = chunks.get(name) ?? { stream: record, lines: [] };
      chunk.lines.push(record.line);
      chunks.set(name, chunk);
    }
    // Deflated (fastest level: log lines shrink ~5×): fewer bytes through the WAL, the database and
    // its free pages once delivered. Compressed before the transaction, outside the batch.
    const rows = [...chunks.values()].map(({ stream, lines }) => ({
      stream,
      records: lines.length,
      body: deflateRawSync(lines.join('\n'), { level: 1 }),
    }));
    return this.#writes.run(
      () => {
        for (const row of rows) this.#s.insertChunk!.run(this.#streamId(row.stream), row.records, row.body);
      },
      { lazy: true },
    );
  }

  sealAccessLogBatches(nowMs: number, maxRecords: number): Promise<number> {
    return this.#writes.run(() => {
      let made = 0;
      for (const stream of this.#s.streams!.all() as { id: number; sealed_id: number }[]) {
        let first: number | undefined;
        let last = stream.sealed_id;
        let records = 0;
        const cut = () => {
          if (first === undefined) return;
          this.#s.insertBatch!.run(stream.id, first, last, records, nowMs);
          made++;
          first = undefined;
          records = 0;
        };
        // .all(), not .iterate(): the batch rows are inserted while going through the chunks.
        for (const chunk of this.#s.unsealed!.all(stream.id, stream.sealed_id) as { id: number; records: number }[]) {
          if (first !== undefined && records + chunk.records > maxRecords) cut();
          first ??= chunk.id;
          last = chunk.id;
          records += chunk.records;
        }
        cut();
        if (last !== stream.sealed_id) this.#s.setSealed!.run(last, stream.id);
      }
      return made;
    });
  }

  async dueAccessLogBatches(nowMs: number, limit: number): Promise<AccessLogBatch[]> {
    return (this.#s.due!.all(nowMs, limit) as BatchRow[]).map(toAccessLogBatch);
  }

  async readAccessLogBatch(
    batch: AccessLogBatch,
    afterId: number,
    limit: number,
  ): Promise<{ id: number; lines: string }[]> {
    const row = this.#s.batchById!.get(batch.id) as BatchRow | undefined;
    if (!row) return [];
    const chunks = this.#s.readBatch!.all(row.stream_id, Math.max(afterId, row.first_id - 1), row.last_id, limit) as {
      id: number;
      lines: Buffer;
    }[];
    return chunks.map((c) => ({ id: c.id, lines: inflateRawSync(c.lines).toString('utf8') }));
  }

  finishAccessLogBatch(batchId: number): Promise<void> {
    return this.#writes.run(() => {
      const row = this.#s.batchById!.get(batchId) as BatchRow | undefined;
      if (!row) return;
      this.#s.deleteRange!.run(row.stream_id, row.first_id, row.last_id);
      this.#s.deleteBatch!.run(batchId);
    });
  }

  failAccessLogBatch(batchId: number, retryAtMs: number, error: string): Promise<void> {
    return this.#writes.run(() => {
      this.#s.failBatch!.run(retryAtMs, error.slice(0, 1000), batchId);
    });
  }

  async accessLogBacklog(): Promise<{ records: number; batches: number; failing: number }> {
    return this.#s.backlog!.get() as { records: number; batches: number; failing: number };
  }
}

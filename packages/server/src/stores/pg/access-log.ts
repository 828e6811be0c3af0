import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AccessLogBatch, AccessLogRecord, AccessLogSpool, AccessLogStream } from '../access-log.js';
import { type BatchRow, streamName, toAccessLogBatch } from '../sqlite/access-log.js';
import type { PgDb, PgTx } from './pg-db.js';

/**
 * Appends hold this advisory lock shared, sealing holds it exclusively: with several gateways
 * appending, a chunk's id is drawn before its transaction commits, so a seal could otherwise move a
 * stream's sealed_id past a chunk that commits a moment later, and that chunk would never be sealed.
 */
const SPOOL_LOCK = 7318502;

/**
 * The access log spool on PostgreSQL (migration 3), as sqlite/access-log.ts: one chunk row per
 * stream per append (deflated lines), sealed into batches by moving the stream's sealed_id.
 */
export class PgAccessLog implements AccessLogSpool {
  readonly #db: PgDb;
  readonly #streamIds = new Map<string, number>();

  constructor(db: PgDb) {
    this.#db = db;
  }

  async #streamId(tx: PgTx, stream: AccessLogStream): Promise<number> {
    const name = streamName(stream);
    const cached = this.#streamIds.get(name);
    if (cached !== undefined) return cached;
    const args = [stream.sourceBucket, stream.targetBucket, stream.targetPrefix, stream.format, stream.keyFormat];
    const inserted = await tx.one<{ id: number }>(
      `INSERT INTO access_log_streams (source_bucket, target_bucket, target_prefix, format, key_format)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
      args,
    );
    if (inserted) return inserted.id;
    const found = await tx.one<{ id: number }>(
      `SELECT id FROM access_log_streams
        WHERE source_bucket = $1 AND target_bucket = $2 AND target_prefix = $3 AND format = $4 AND key_format = $5`,
      args,
    );
    // Stream rows are never deleted: an id read back (committed by someone) stays right.
    this.#streamIds.set(name, found!.id);
    return found!.id;
  }

  appendAccessLog(records: AccessLogRecord[]): Promise<void> {
    const chunks = new Map<string, { stream: AccessLogStream; lines: string[] }>();
    for (const record of records) {
      const name = streamName(record);
      const chunk = chunks.get(name) ?? { stream: record, lines: [] };
      chunk.lines.push(record.line);
      chunks.set(name, chunk);
    }
    const rows = [...chunks.values()].map(({ stream, lines }) => ({
      stream,
      records: lines.length,
      body: deflateRawSync(lines.join('\n'), { level: 1 }),
    }));
    return this.#db.writes.run(async (tx) => {
      await tx.run('SELECT pg_advisory_xact_lock_shared($1)', [SPOOL_LOCK]);
      for (const row of rows) {
        await tx.run('INSERT INTO access_log (stream_id, records, lines) VALUES ($1, $2, $3)', [
          await this.#streamId(tx, row.stream),
          row.records,
          row.body,
        ]);
      }
    });
  }

  sealAccessLogBatches(nowMs: number, maxRecords: number): Promise<number> {
    return this.#db.writes.run(async (tx) => {
      await tx.run('SELECT pg_advisory_xact_lock($1)', [SPOOL_LOCK]);
      let made = 0;
      const streams = await tx.rows<{ id: number; sealed_id: number }>(
        'SELECT id, sealed_id FROM access_log_streams ORDER BY id',
      );
      for (const stream of streams) {
        const chunks = await tx.rows<{ id: number; records: number }>(
          'SELECT id, records FROM access_log WHERE stream_id = $1 AND id > $2 ORDER BY id',
          [stream.id, stream.sealed_id],
        );
        let first: number | undefined;
        let last = stream.sealed_id;
        let records = 0;
        const cuts: [number, number, number][] = [];
        const cut = () => {
          if (first === undefined) return;
          cuts.push([first, last, records]);
          first = undefined;
          records = 0;
        };
        for (const chunk of chunks) {
          if (first !== undefined && records + chunk.records > maxRecords) cut();
          first ??= chunk.id;
          last = chunk.id;
          records += chunk.records;
        }
        cut();
        for (const [f, l, n] of cuts) {
          await tx.run(
            'INSERT INTO access_log_batches (stream_id, first_id, last_id, records, sealed_ms) VALUES ($1, $2, $3, $4, $5)',
            [stream.id, f, l, n, nowMs],
          );
          made++;
        }
        if (last !== stream.sealed_id)
          await tx.run('UPDATE access_log_streams SET sealed_id = $1 WHERE id = $2', [last, stream.id]);
      }
      return made;
    });
  }

  async dueAccessLogBatches(nowMs: number, limit: number): Promise<AccessLogBatch[]> {
    const rows = await this.#db.read.rows<BatchRow>(
      `SELECT b.*, s.source_bucket, s.target_bucket, s.target_prefix, s.format, s.key_format
         FROM access_log_batches b JOIN access_log_streams s ON s.id = b.stream_id
        WHERE b.next_attempt_ms <= $1 ORDER BY b.id LIMIT $2`,
      [nowMs, limit],
    );
    return rows.map(toAccessLogBatch);
  }

  async readAccessLogBatch(
    batch: AccessLogBatch,
    afterId: number,
    limit: number,
  ): Promise<{ id: number; lines: string }[]> {
    const row = await this.#db.read.one<BatchRow>('SELECT * FROM access_log_batches WHERE id = $1', [batch.id]);
    if (!row) return [];
    const chunks = await this.#db.read.rows<{ id: number; lines: Buffer }>(
      'SELECT id, lines FROM access_log WHERE stream_id = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4',
      [row.stream_id, Math.max(afterId, row.first_id - 1), row.last_id, limit],
    );
    return chunks.map((c) => ({ id: c.id, lines: inflateRawSync(c.lines).toString('utf8') }));
  }

  finishAccessLogBatch(batchId: number): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      const row = await tx.one<BatchRow>('DELETE FROM access_log_batches WHERE id = $1 RETURNING *', [batchId]);
      if (!row) return;
      await tx.run('DELETE FROM access_log WHERE stream_id = $1 AND id >= $2 AND id <= $3', [
        row.stream_id,
        row.first_id,
        row.last_id,
      ]);
    });
  }

  failAccessLogBatch(batchId: number, retryAtMs: number, error: string): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      await tx.run(
        'UPDATE access_log_batches SET attempts = attempts + 1, next_attempt_ms = $1, last_error = $2 WHERE id = $3',
        [retryAtMs, error.slice(0, 1000), batchId],
      );
    });
  }

  async accessLogBacklog(): Promise<{ records: number; batches: number; failing: number }> {
    return (await this.#db.read.one<{ records: number; batches: number; failing: number }>(
      `SELECT (SELECT coalesce(sum(records), 0)::bigint FROM access_log) AS records,
              (SELECT count(*) FROM access_log_batches) AS batches,
              (SELECT count(*) FROM access_log_batches WHERE attempts > 0) AS failing`,
    ))!;
  }
}

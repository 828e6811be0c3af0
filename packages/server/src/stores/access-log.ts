/**
 * The access log spool: records appended as requests finish, sealed into batches (each batch one
 * object in the target bucket), delivered, then forgotten. A batch's records and its number are fixed
 * when it is sealed, so a delivery retried after a failure or a restart writes the same object under
 * the same key: nothing logged is lost, nothing is delivered twice.
 */

/** Where a record goes: one stream per (source bucket, target bucket, target prefix, format, key format). */
export interface AccessLogStream {
  sourceBucket: string;
  targetBucket: string;
  targetPrefix: string;
  format: 's3' | 'cos';
  /** S3's TargetObjectKeyFormat: `simple` (prefix + time) or `partitioned` (prefix/account/region/bucket/date/…). */
  keyFormat: 'simple' | 'partitioned';
}

export interface AccessLogRecord extends AccessLogStream {
  /** One rendered log line, without the newline. */
  line: string;
}

/** A sealed batch of one stream's records: the stream's chunks firstId..lastId (chunk = one append's records). */
export interface AccessLogBatch extends AccessLogStream {
  id: number;
  firstId: number;
  lastId: number;
  records: number;
  sealedMs: number;
  attempts: number;
  lastError?: string;
}

export interface AccessLogSpool {
  /**
   * Appends records: one chunk (row) per stream, in one transaction, group-committed with other writes.
   * Callers gather a few milliseconds of records per call, so the spool costs a row per stream, not
   * per request.
   */
  appendAccessLog(records: AccessLogRecord[]): Promise<void>;
  /**
   * Seals every stream's unsealed chunks into batches of at most `maxRecords` records (a batch holds
   * whole chunks, so one larger chunk makes a batch of its own); returns how many batches it made.
   */
  sealAccessLogBatches(nowMs: number, maxRecords: number): Promise<number>;
  /** Sealed batches due for a delivery attempt at `nowMs`, oldest first. */
  dueAccessLogBatches(nowMs: number, limit: number): Promise<AccessLogBatch[]>;
  /** The chunks of a batch after chunk id `afterId`, in order: each its lines joined by `\n`, with its id. */
  readAccessLogBatch(batch: AccessLogBatch, afterId: number, limit: number): Promise<{ id: number; lines: string }[]>;
  /** Forgets a delivered batch and its records. */
  finishAccessLogBatch(batchId: number): Promise<void>;
  /** Records a failed delivery: the batch is tried again from `retryAtMs`. */
  failAccessLogBatch(batchId: number, retryAtMs: number, error: string): Promise<void>;
  /** Records not yet delivered, and how many of them are sealed into batches. */
  accessLogBacklog(): Promise<{ records: number; batches: number; failing: number }>;
}

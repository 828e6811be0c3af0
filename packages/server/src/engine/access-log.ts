import { Readable } from 'node:stream';
import { S3Error } from '@coffer/protocol';
import type { AccessLogBatch } from '../stores/access-log.js';
import type { BucketRecord } from '../stores/types.js';
import { type AccessLogEntry, renderCosLine, renderS3Line } from './access-log-format.js';
import { type Gateways, type GatewaysFlushed, PeerFlush } from './access-log-peers.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';
import { putObject } from './objects.js';

const CONFIG_KIND = 'logging';

/** Where a bucket's access logs go, and in which record format. */
export interface LoggingConfiguration {
  targetBucket: string;
  /** Prefix of every delivered log object's key (may be empty). */
  targetPrefix: string;
  /**
   * Record format: `s3`, the S3 server access log format, for a configuration set by an S3 client;
   * `cos`, COS's log fields, for one set by a COS client.
   */
  format: 's3' | 'cos';
  /**
   * S3's TargetObjectKeyFormat: `partitioned` (PartitionedPrefix) delivers under
   * `<prefix><account>/<region>/<bucket>/YYYY/MM/DD/`; its PartitionDateSource is kept to answer with, and the
   * date is the delivery's either way (a batch may span midnight).
   */
  partitioned?: { dateSource: 'EventTime' | 'DeliveryTime' };
}

/**
 * PUT Bucket logging (S3: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLogging.html ;
 * COS: https://www.tencentcloud.com/document/product/436/17054). The target must exist and belong to
 * the source bucket's owner, as both services require.
 */
export async function putBucketLogging(
  ctx: EngineContext,
  name: string,
  config: LoggingConfiguration | null,
): Promise<void> {
  const bucket = await requireBucket(ctx, name);
  if (config) {
    const target = await ctx.meta.getBucket(config.targetBucket);
    if (!target || target.ownerId !== bucket.ownerId) {
      throw new S3Error(
        'InvalidTargetBucketForLogging',
        `The target bucket for logging does not exist or is not owned by you: ${config.targetBucket}`,
        { details: { TargetBucket: config.targetBucket } },
      );
    }
  }
  await ctx.meta.setBucketConfig(bucket.id, CONFIG_KIND, config ? JSON.stringify(config) : null);
}

/** The bucket's logging configuration, undefined when logging is off. */
export async function bucketLogging(
  ctx: EngineContext,
  bucket: BucketRecord,
): Promise<LoggingConfiguration | undefined> {
  const doc = await ctx.meta.getBucketConfig(bucket.id, CONFIG_KIND);
  return doc === undefined ? undefined : (JSON.parse(doc) as LoggingConfiguration);
}

export interface DeliveryOptions {
  /** Records per delivered object at most. */
  maxRecords: number;
  /** First retry delay after a failed delivery; doubled per failure, up to an hour. */
  retryMs: number;
  /** Try every batch now, also those waiting for a retry (POST /-/admin/logging/flush). */
  force?: boolean;
}

export interface DeliverySummary {
  delivered: number;
  records: number;
  failed: number;
  /** Batches a previous attempt had already written (found in the target under their key). */
  alreadyThere: number;
}

const MAX_RETRY_MS = 3_600_000;
/** Chunks read at a time while a batch is written (a chunk holds up to BUFFER_MAX_RECORDS lines). */
const READ_PAGE = 20;
/** Batches looked at per pass of the delivery loop. */
const DUE_PAGE = 100;

/** How long records wait in memory before they are appended to the spool together, at most. */
const BUFFER_MS = 20;
/** Records buffered at most: more are appended at once. */
const BUFFER_MAX_RECORDS = 512;

/**
 * Access logging: records are taken off the request path (buffered for up to BUFFER_MS, then
 * appended to the spool in one write, a chunk per stream) and delivered in batches.
 */
export class AccessLog {
  #buffer: Parameters<EngineContext['meta']['appendAccessLog']>[0] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Settles the callers of record() whose records are in the buffer. */
  #waiting: { promise: Promise<void>; resolve: () => void } | undefined;
  #appending = new Set<Promise<void>>();
  /**
   * record() calls still reading their bucket's configuration, each resolving once its record is in the
   * buffer: settle() waits for them, so a record taken before it (its request answered) is not missed.
   */
  #taking = new Set<Promise<unknown>>();
  #delivering: Promise<DeliverySummary> | undefined;
  readonly #peers: PeerFlush | undefined;

  /** `gateways`: this gateway among a cluster's (with the store's change feed), for flushAllGateways. */
  constructor(
    private readonly ctx: EngineContext,
    gateways?: Gateways,
  ) {
    const changes = ctx.meta.changes;
    this.#peers =
      changes && gateways ? new PeerFlush({ changes, gateways, settle: () => this.settle(), log: ctx.log }) : undefined;
  }

  /**
   * Records one request against `bucketName` if that bucket has logging on (`describe` is called only
   * then). Never delays the request: it settles once the record is in the spool.
   */
  async record(bucketName: string, describe: () => Omit<AccessLogEntry, 'bucketOwner' | 'region'>): Promise<void> {
    const taken = this.#take(bucketName, describe);
    this.#taking.add(taken);
    const buffered = await taken.finally(() => this.#taking.delete(taken));
    await buffered?.spooled;
  }

  /**
   * Looks the bucket's configuration up and buffers the record; resolves then, with the promise of its
   * being spooled (wrapped: an async function would wait for a promise it returns). Undefined: not logged.
   */
  async #take(
    bucketName: string,
    describe: () => Omit<AccessLogEntry, 'bucketOwner' | 'region'>,
  ): Promise<{ spooled: Promise<void> } | undefined> {
    const bucket = await this.ctx.meta.getBucket(bucketName);
    if (!bucket) return undefined;
    const config = await bucketLogging(this.ctx, bucket);
    if (!config) return undefined;
    const full: AccessLogEntry = { ...describe(), bucketOwner: bucket.ownerId, region: this.ctx.region };
    this.#buffer.push({
      sourceBucket: bucket.name,
      targetBucket: config.targetBucket,
      targetPrefix: config.targetPrefix,
      format: config.format,
      keyFormat: config.partitioned ? 'partitioned' : 'simple',
      line: config.format === 'cos' ? renderCosLine(full) : renderS3Line(full),
    });
    if (this.#buffer.length >= BUFFER_MAX_RECORDS) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      return { spooled: this.#flush() };
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, BUFFER_MS);
    this.#waiting ??= deferred();
    return { spooled: this.#waiting.promise };
  }

  /** Appends what is buffered to the spool, in one write (a chunk per stream). */
  async #flush(): Promise<void> {
    const records = this.#buffer;
    const waiting = this.#waiting;
    this.#buffer = [];
    this.#waiting = undefined;
    if (records.length === 0) return waiting?.resolve();
    const appended = this.ctx.meta.appendAccessLog(records).catch((err) => {
      this.ctx.log.error({ err, records: records.length }, 'access log records could not be spooled');
    });
    this.#appending.add(appended);
    await appended;
    this.#appending.delete(appended);
    waiting?.resolve();
  }

  /** Appends what is buffered now and waits until every record taken so far is in the spool. */
  async settle(): Promise<void> {
    await Promise.all([...this.#taking].map((p) => p.catch(() => undefined)));
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flush();
    await Promise.all([...this.#appending]);
  }

  /** Seals what is spooled into batches and delivers the due ones (one delivery at a time). */
  deliver(options: DeliveryOptions): Promise<DeliverySummary> {
    const run = async () => {
      await this.#delivering?.catch(() => undefined);
      await this.settle();
      return deliverBatches(this.ctx, options);
    };
    const next = run().finally(() => {
      if (this.#delivering === next) this.#delivering = undefined;
    });
    this.#delivering = next;
    return next;
  }

  backlog() {
    return this.ctx.meta.accessLogBacklog();
  }

  /**
   * In a cluster, has every live gateway append its buffered records to the shared spool (waiting at
   * most `timeoutMs` for their answers) so that a delivery after it takes them all; undefined on a
   * single server, whose deliver() settles its own buffer.
   */
  flushAllGateways(timeoutMs: number): Promise<GatewaysFlushed | undefined> {
    return this.#peers ? this.#peers.flushAll(timeoutMs) : Promise.resolve(undefined);
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * The key a batch is delivered under: fixed by the batch (its sealing time and number), so a retried
 * delivery overwrites nothing else and a delivery that completed before a crash is recognised.
 * S3: `TargetPrefixYYYY-mm-DD-HH-MM-SS-UniqueString`, or with a partitioned prefix
 * `TargetPrefix<account>/<region>/<bucket>/YYYY/mm/DD/YYYY-mm-DD-HH-MM-SS-UniqueString`
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html#server-log-keyname-format);
 * COS: `TargetPrefix{YYYY}/{MM}/{DD}/{time}_{random}_{index}` (https://www.tencentcloud.com/document/product/436/16920).
 */
export function logObjectKey(
  batch: Pick<AccessLogBatch, 'id' | 'sealedMs' | 'targetPrefix' | 'format' | 'keyFormat' | 'sourceBucket'>,
  partition?: { accountId: string; region: string },
): string {
  const d = new Date(batch.sealedMs);
  const [y, mo, day, h, mi, s] = [
    d.getUTCFullYear(),
    pad(d.getUTCMonth() + 1),
    pad(d.getUTCDate()),
    pad(d.getUTCHours()),
    pad(d.getUTCMinutes()),
    pad(d.getUTCSeconds()),
  ];
  const unique = batch.id.toString(16).toUpperCase().padStart(16, '0');
  if (batch.format === 'cos') return `${batch.targetPrefix}${y}/${mo}/${day}/${y}${mo}${day}${h}${mi}${s}_${unique}_0`;
  const name = `${y}-${mo}-${day}-${h}-${mi}-${s}-${unique}`;
  if (batch.keyFormat === 'partitioned' && partition) {
    return `${batch.targetPrefix}${partition.accountId}/${partition.region}/${batch.sourceBucket}/${y}/${mo}/${day}/${name}`;
  }
  return `${batch.targetPrefix}${name}`;
}

async function deliverBatches(ctx: EngineContext, options: DeliveryOptions): Promise<DeliverySummary> {
  const summary: DeliverySummary = { delivered: 0, records: 0, failed: 0, alreadyThere: 0 };
  const startMs = ctx.clock.nowMs();
  await ctx.meta.sealAccessLogBatches(startMs, options.maxRecords);
  const tried = new Set<number>();
  for (;;) {
    const due = (
      await ctx.meta.dueAccessLogBatches(options.force ? Number.MAX_SAFE_INTEGER : startMs, DUE_PAGE + tried.size)
    ).filter((b) => !tried.has(b.id));
    if (due.length === 0) break;
    for (const batch of due) {
      tried.add(batch.id);
      try {
        const existed = await deliverBatch(ctx, batch);
        await ctx.meta.finishAccessLogBatch(batch.id);
        summary.delivered++;
        summary.records += batch.records;
        if (existed) summary.alreadyThere++;
      } catch (err) {
        summary.failed++;
        const delay = Math.min(options.retryMs * 2 ** batch.attempts, MAX_RETRY_MS);
        const message = err instanceof Error ? err.message : String(err);
        await ctx.meta.failAccessLogBatch(batch.id, ctx.clock.nowMs() + delay, message);
        ctx.log.warn(
          { batch: batch.id, target: batch.targetBucket, attempts: batch.attempts + 1, err: message },
          'access log delivery failed; will retry',
        );
      }
    }
  }
  return summary;
}

/** Writes one batch as an object; true when an earlier attempt had already written it. */
async function deliverBatch(ctx: EngineContext, batch: AccessLogBatch): Promise<boolean> {
  const target = await requireBucket(ctx, batch.targetBucket);
  // The source's account: logging needs the target to have the source's owner.
  const uin = /uin\/(\d+)/.exec(target.ownerId)?.[1] ?? target.ownerId;
  const key = logObjectKey(batch, { accountId: uin, region: ctx.region });
  const existing = await ctx.meta.getObject(target.id, key);
  if (existing && !existing.isDeleteMarker) return true;
  async function* lines() {
    let after = 0;
    for (;;) {
      const page = await ctx.meta.readAccessLogBatch(batch, after, READ_PAGE);
      if (page.length === 0) return;
      yield Buffer.from(`${page.map((r) => r.lines).join('\n')}\n`);
      after = page[page.length - 1]!.id;
    }
  }
  try {
    await putObject(ctx, {
      bucket: target.name,
      key,
      actor: { ownerId: target.ownerId, displayName: uin },
      body: Readable.from(lines()),
      expect: {},
      contentHeaders: { 'content-type': 'text/plain' },
      userMeta: {},
      // Create-only: two deliveries of one batch at once (in a cluster, a flush on one gateway while the
      // lease holder delivers) both pass the check above; the store lets exactly one create the key, so a
      // versioned target never gets the batch twice.
      ifNoneMatch: '*',
    });
  } catch (err) {
    if (err instanceof S3Error && err.code === 'PreconditionFailed') return true;
    throw err;
  }
  return false;
}

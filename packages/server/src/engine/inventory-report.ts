import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { InventoryRow } from '../stores/inventory.js';
import type { BucketRecord } from '../stores/types.js';
import { encodeKey } from './access-log-format.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';
import {
  type InventoryConfiguration,
  type InventoryField,
  inventoryDue,
  noSuchConfiguration,
  readConfigs,
} from './inventory.js';
import { putObject } from './objects.js';

/** Rows read from the store per page while a report is written. */
const SCAN_PAGE = 1000;

/** The CSV columns of a report: S3's fixed ones, then the chosen optional fields. */
export function reportSchema(config: InventoryConfiguration): string[] {
  return [
    'Bucket',
    'Key',
    ...(config.includedVersions === 'All' ? ['VersionId', 'IsLatest', 'IsDeleteMarker'] : []),
    ...config.fields,
  ];
}

function iso(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString();
}

function fieldValue(field: InventoryField, row: InventoryRow, dialect: 's3' | 'cos'): string {
  const marker = row.isDeleteMarker;
  switch (field) {
    case 'Size':
      return marker ? '' : String(row.size);
    case 'LastModifiedDate':
      return iso(row.lastModifiedMs);
    case 'ETag':
      return row.etag;
    case 'StorageClass':
      return marker ? '' : row.storageClass;
    case 'IsMultipartUploaded':
      return marker ? '' : String(row.isMultipart);
    case 'ReplicationStatus':
      return '';
    case 'EncryptionStatus':
      return marker ? '' : row.sse ? (dialect === 'cos' ? 'SSE-COS' : 'SSE-S3') : 'NOT-SSE';
    case 'ObjectLockRetainUntilDate':
      return iso(row.lockUntilMs);
    case 'ObjectLockMode':
      return row.lockMode ?? '';
    case 'ObjectLockLegalHoldStatus':
      return marker ? '' : row.legalHold ? 'ON' : 'OFF';
    case 'IntelligentTieringAccessTier':
      // Coffer keeps every class on one disk: an intelligent-tiering object stays in the frequent tier.
      return row.storageClass === 'INTELLIGENT_TIERING' ? 'FREQUENT' : '';
    case 'BucketKeyStatus':
      return marker ? '' : 'DISABLED';
    case 'ChecksumAlgorithm':
      return row.checksumAlgorithms.join(',');
    case 'ObjectOwner':
      return row.ownerId;
    case 'Tag':
      return row.tagging ?? '';
    case 'Crc64':
      return row.crc64 ?? '';
  }
}

/** One CSV line: every value quoted; keys URL-encoded as S3 writes them, so a key never breaks a line. */
export function csvLine(bucket: string, config: InventoryConfiguration, row: InventoryRow): string {
  const values = [bucket, encodeKey(row.key)];
  if (config.includedVersions === 'All') {
    values.push(row.versionId === 'null' ? '' : row.versionId, String(row.isLatest), String(row.isDeleteMarker));
  }
  for (const field of config.fields) values.push(fieldValue(field, row, config.dialect));
  return `${values.map((v) => `"${v.replace(/"/g, '""')}"`).join(',')}\n`;
}

export interface InventoryRunOptions {
  /** Rows per data file at most (S3 splits large reports into several files too). */
  maxRowsPerFile?: number;
}

export interface InventoryReport {
  manifestKey: string;
  files: { key: string; size: number; MD5checksum: string; rows: number }[];
  rows: number;
}

function runFolder(ms: number): string {
  // YYYY-MM-DDTHH-MMZ, as S3 names a report's folder.
  return new Date(ms).toISOString().slice(0, 16).replace(':', '-').concat('Z');
}

/**
 * Writes one inventory report (https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-location.html):
 * gzip CSV data files under `<prefix>/<source>/<id>/data/`, then `<prefix>/<source>/<id>/<time>/manifest.json`
 * (sourceBucket, destinationBucket, version, creationTimestamp, fileFormat, fileSchema, and each file's
 * key, size and MD5checksum), `manifest.checksum` (the manifest's MD5) and `hive/dt=…/symlink.txt`.
 * The listing is read a page at a time and gzipped as it streams into the blob store, so memory stays
 * bounded whatever the bucket's size.
 */
export async function runInventory(
  ctx: EngineContext,
  name: string,
  id: string,
  options: InventoryRunOptions = {},
): Promise<InventoryReport> {
  const bucket = await requireBucket(ctx, name);
  const config = (await readConfigs(ctx, bucket)).find((c) => c.id === id);
  if (!config) throw noSuchConfiguration(id);
  const startMs = ctx.clock.nowMs();
  const previous = await ctx.meta.getInventoryRun(bucket.id, id);
  await ctx.meta.saveInventoryRun(bucket.id, id, { ...previous, lastStartedMs: startMs });
  try {
    const report = await writeReport(ctx, bucket, config, startMs, options.maxRowsPerFile ?? 1_000_000);
    await ctx.meta.saveInventoryRun(bucket.id, id, {
      lastStartedMs: startMs,
      lastFinishedMs: startMs,
      lastManifestKey: report.manifestKey,
    });
    return report;
  } catch (err) {
    await ctx.meta.saveInventoryRun(bucket.id, id, {
      ...previous,
      lastStartedMs: startMs,
      lastError: err instanceof Error ? err.message : String(err),
    });
    throw err;
  }
}

async function writeReport(
  ctx: EngineContext,
  bucket: BucketRecord,
  config: InventoryConfiguration,
  startMs: number,
  maxRowsPerFile: number,
): Promise<InventoryReport> {
  const destination = await requireBucket(ctx, config.destinationBucket);
  const prefix =
    config.destinationPrefix === '' || config.destinationPrefix.endsWith('/')
      ? config.destinationPrefix
      : `${config.destinationPrefix}/`;
  const base = `${prefix}${bucket.name}/${config.id}`;
  const uin = /uin\/(\d+)/.exec(destination.ownerId)?.[1] ?? destination.ownerId;
  const actor = { ownerId: destination.ownerId, displayName: uin };
  const write = (key: string, body: Readable, contentType: string) =>
    putObject(ctx, {
      bucket: destination.name,
      key,
      actor,
      body,
      expect: {},
      contentHeaders: { 'content-type': contentType },
      userMeta: {},
      ...(config.encrypted ? { sse: { kind: 'AES256' as const } } : {}),
    });

  let after: { key: string; seq: number } | undefined;
  let exhausted = false;
  let pending: InventoryRow[] = [];
  const files: InventoryReport['files'] = [];
  let total = 0;
  do {
    let rows = 0;
    async function* csv() {
      while (rows < maxRowsPerFile) {
        if (pending.length === 0) {
          if (exhausted) return;
          pending = await ctx.meta.scanInventory(bucket.id, {
            ...(config.filterPrefix !== undefined ? { prefix: config.filterPrefix } : {}),
            currentOnly: config.includedVersions === 'Current',
            ...(after ? { after } : {}),
            limit: SCAN_PAGE,
          });
          if (pending.length < SCAN_PAGE) exhausted = true;
          const last = pending[pending.length - 1];
          if (last) after = { key: last.key, seq: last.seq };
          if (pending.length === 0) return;
        }
        const take = pending.splice(0, maxRowsPerFile - rows);
        rows += take.length;
        yield take.map((row) => csvLine(bucket.name, config, row)).join('');
      }
    }
    const key = `${base}/data/${randomUUID()}.csv.gz`;
    const gzip = createGzip();
    Readable.from(csv())
      .on('error', (err) => gzip.destroy(err))
      .pipe(gzip);
    const { version } = await write(key, gzip, 'application/gzip');
    files.push({ key, size: version.size, MD5checksum: version.etag, rows });
    total += rows;
  } while (!exhausted || pending.length > 0);

  const folder = runFolder(startMs);
  const manifest = {
    sourceBucket: bucket.name,
    destinationBucket: config.destinationBucketRef,
    version: '2016-11-30',
    creationTimestamp: String(startMs),
    fileFormat: 'CSV',
    fileSchema: reportSchema(config).join(', '),
    files: files.map(({ key, size, MD5checksum }) => ({ key, size, MD5checksum })),
  };
  const manifestBody = Buffer.from(JSON.stringify(manifest, null, 2));
  const manifestKey = `${base}/${folder}/manifest.json`;
  const symlink = files.map((f) => `s3://${destination.name}/${f.key}\n`).join('');
  const hiveFolder = `${base}/hive/dt=${new Date(startMs).toISOString().slice(0, 16).replace(/[T:]/g, '-')}`;
  await write(`${hiveFolder}/symlink.txt`, Readable.from([Buffer.from(symlink)]), 'text/plain');
  await write(manifestKey, Readable.from([manifestBody]), 'application/json');
  // The checksum last: a reader that finds it knows the manifest and the files it lists are complete.
  const checksum = createHash('md5').update(manifestBody).digest('hex');
  await write(`${base}/${folder}/manifest.checksum`, Readable.from([Buffer.from(checksum)]), 'text/plain');
  return { manifestKey, files, rows: total };
}

/** Runs every enabled configuration whose report is due (the scheduled worker's pass). */
export async function runDueInventories(
  ctx: EngineContext,
  options: InventoryRunOptions = {},
): Promise<{ ran: number; failed: number }> {
  let ran = 0;
  let failed = 0;
  for (const bucket of await ctx.meta.listBuckets()) {
    for (const config of await readConfigs(ctx, bucket)) {
      if (!config.enabled) continue;
      const last = await ctx.meta.getInventoryRun(bucket.id, config.id);
      if (!inventoryDue(config.frequency, last?.lastFinishedMs, ctx.clock.nowMs())) continue;
      try {
        await runInventory(ctx, bucket.name, config.id, options);
        ran++;
      } catch (err) {
        failed++;
        ctx.log.warn({ err, bucket: bucket.name, id: config.id }, 'inventory report failed; will retry');
      }
    }
  }
  return { ran, failed };
}

import { S3Error } from '@coffer/protocol';
import type { BucketRecord, ObjectVersion } from '../stores/types.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';

/**
 * INTELLIGENT_TIERING: an object of that class sits in an access tier decided by how long ago it was
 * last read: FREQUENT, then INFREQUENT after `infrequentDays` (30; COS lets a bucket's
 * ?intelligenttiering configuration change it), then ARCHIVE_INSTANT_ACCESS after 90 days (S3's
 * automatic tier: no configuration turns it on or off, and it is read at once, like INFREQUENT,
 * without a restore), then — only where a configuration (S3
 * ?intelligent-tiering&id=…, with a prefix/tag filter) turns them on — ARCHIVE_ACCESS and
 * DEEP_ARCHIVE_ACCESS after their Days. An object in an archive tier is not readable until a restore
 * (POST ?restore), which brings it back to FREQUENT, as S3 does; Coffer restores at once.
 * The tier is computed from the last access time (ObjectAccessStore) and the engine's clock, so it
 * moves when the clock does (tests move it; COFFER_CLOCK_OFFSET_DAYS shifts it) and no job runs.
 * A GET, or a copy reading it, is an access; HEAD is not (S3 counts neither HEAD nor tagging calls).
 * S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/intelligent-tiering-overview.html ;
 * COS: https://www.tencentcloud.com/document/product/436/33702
 */
export const INTELLIGENT_TIERING = 'INTELLIGENT_TIERING';
const CONFIG = 'intelligent-tiering';
const DAY_MS = 86_400_000;

export type AccessTier =
  | 'FREQUENT'
  | 'INFREQUENT'
  | 'ARCHIVE_INSTANT_ACCESS'
  | 'ARCHIVE_ACCESS'
  | 'DEEP_ARCHIVE_ACCESS';
export const ACCESS_TIERS: readonly AccessTier[] = [
  'FREQUENT',
  'INFREQUENT',
  'ARCHIVE_INSTANT_ACCESS',
  'ARCHIVE_ACCESS',
  'DEEP_ARCHIVE_ACCESS',
];
/** S3: objects not accessed for 90 consecutive days move to Archive Instant Access. */
export const ARCHIVE_INSTANT_DAYS = 90;

/** S3 IntelligentTieringConfiguration (one of a bucket's, by id). */
export interface TieringConfiguration {
  id: string;
  status: 'Enabled' | 'Disabled';
  prefix?: string;
  tags?: { key: string; value: string }[];
  /** AccessTier → Days without access. */
  tierings: { accessTier: 'ARCHIVE_ACCESS' | 'DEEP_ARCHIVE_ACCESS'; days: number }[];
}

/** COS's bucket-wide IntelligentTieringConfiguration (?intelligenttiering). */
export interface CosTieringConfiguration {
  status: 'Enabled' | 'Suspended';
  /** Days without access before INFREQUENT (COS: 30 or more). */
  days: number;
  /** Accesses that bring an object back to FREQUENT (COS: 1); kept and returned. */
  requestFrequent: number;
}

interface StoredConfig {
  cos?: CosTieringConfiguration;
  s3: TieringConfiguration[];
}

async function stored(ctx: EngineContext, bucket: Pick<BucketRecord, 'id'>): Promise<StoredConfig> {
  const doc = await ctx.meta.getBucketConfig(bucket.id, CONFIG);
  return doc === undefined ? { s3: [] } : (JSON.parse(doc) as StoredConfig);
}

async function save(ctx: EngineContext, bucket: BucketRecord, config: StoredConfig): Promise<void> {
  const empty = config.cos === undefined && config.s3.length === 0;
  await ctx.meta.setBucketConfig(bucket.id, CONFIG, empty ? null : JSON.stringify(config));
}

export async function putTieringConfiguration(ctx: EngineContext, name: string, config: TieringConfiguration) {
  const bucket = await requireBucket(ctx, name);
  const current = await stored(ctx, bucket);
  current.s3 = [...current.s3.filter((c) => c.id !== config.id), config].sort((a, b) => (a.id < b.id ? -1 : 1));
  if (current.s3.length > 1000)
    throw new S3Error('InvalidArgument', 'A bucket has at most 1,000 intelligent tiering configurations.');
  await save(ctx, bucket, current);
}

export async function getTieringConfiguration(ctx: EngineContext, name: string, id: string) {
  const bucket = await requireBucket(ctx, name);
  return (await stored(ctx, bucket)).s3.find((c) => c.id === id);
}

export async function listTieringConfigurations(ctx: EngineContext, name: string) {
  const bucket = await requireBucket(ctx, name);
  return (await stored(ctx, bucket)).s3;
}

export async function deleteTieringConfiguration(ctx: EngineContext, name: string, id: string): Promise<boolean> {
  const bucket = await requireBucket(ctx, name);
  const current = await stored(ctx, bucket);
  const kept = current.s3.filter((c) => c.id !== id);
  if (kept.length === current.s3.length) return false;
  await save(ctx, bucket, { ...current, s3: kept });
  return true;
}

export async function putCosTieringConfiguration(ctx: EngineContext, name: string, config: CosTieringConfiguration) {
  const bucket = await requireBucket(ctx, name);
  await save(ctx, bucket, { ...(await stored(ctx, bucket)), cos: config });
}

export async function getCosTieringConfiguration(ctx: EngineContext, name: string) {
  const bucket = await requireBucket(ctx, name);
  return (await stored(ctx, bucket)).cos;
}

/** The tier thresholds (days without access) that apply to one key. */
interface Thresholds {
  infrequentDays: number;
  archiveDays?: number;
  deepArchiveDays?: number;
}

function tagsMatch(tagging: string | undefined, wanted: { key: string; value: string }[] | undefined): boolean {
  if (!wanted || wanted.length === 0) return true;
  const have = new URLSearchParams(tagging ?? '');
  return wanted.every((t) => have.get(t.key) === t.value);
}

function thresholdsFor(config: StoredConfig, key: string, tagging: string | undefined): Thresholds {
  const out: Thresholds = {
    infrequentDays: config.cos?.status === 'Enabled' ? config.cos.days : 30,
  };
  for (const c of config.s3) {
    if (c.status !== 'Enabled' || !key.startsWith(c.prefix ?? '') || !tagsMatch(tagging, c.tags)) continue;
    for (const t of c.tierings) {
      const field = t.accessTier === 'ARCHIVE_ACCESS' ? 'archiveDays' : 'deepArchiveDays';
      out[field] = Math.min(out[field] ?? Number.POSITIVE_INFINITY, t.days);
    }
  }
  return out;
}

function tierAfter(idleMs: number, t: Thresholds): AccessTier {
  const days = idleMs / DAY_MS;
  if (t.deepArchiveDays !== undefined && days >= t.deepArchiveDays) return 'DEEP_ARCHIVE_ACCESS';
  if (t.archiveDays !== undefined && days >= t.archiveDays) return 'ARCHIVE_ACCESS';
  // A COS bucket whose INFREQUENT threshold is later than 90 days reaches it first.
  if (days >= Math.max(ARCHIVE_INSTANT_DAYS, t.infrequentDays)) return 'ARCHIVE_INSTANT_ACCESS';
  if (days >= t.infrequentDays) return 'INFREQUENT';
  return 'FREQUENT';
}

/** The access tier of a version now; undefined when it is not INTELLIGENT_TIERING. */
export async function accessTierOf(ctx: EngineContext, version: ObjectVersion): Promise<AccessTier | undefined> {
  if (version.storageClass !== INTELLIGENT_TIERING || version.isDeleteMarker) return undefined;
  const config = await stored(ctx, { id: version.bucketId });
  const last = (await ctx.access.lastAccess(version.seq)) ?? version.lastModifiedMs;
  return tierAfter(ctx.clock.nowMs() - last, thresholdsFor(config, version.key, version.tagging));
}

export function isArchiveTier(tier: AccessTier | undefined): tier is 'ARCHIVE_ACCESS' | 'DEEP_ARCHIVE_ACCESS' {
  return tier === 'ARCHIVE_ACCESS' || tier === 'DEEP_ARCHIVE_ACCESS';
}

/** Tiers move by days: a read within this long of the last recorded one is not written again. */
const ACCESS_RESOLUTION_MS = 60_000;

/**
 * Records a read of an INTELLIGENT_TIERING version (it goes back to FREQUENT). Not awaited by the
 * reader: a lost update only leaves the object a tier lower. Reads of a hot object cost one write a
 * minute, not one each.
 */
export function noteAccess(ctx: EngineContext, version: ObjectVersion): void {
  if (version.storageClass !== INTELLIGENT_TIERING) return;
  const nowMs = ctx.clock.nowMs();
  ctx.access
    .lastAccess(version.seq)
    .then((last) => {
      if (nowMs - (last ?? version.lastModifiedMs) < ACCESS_RESOLUTION_MS) return;
      return ctx.access.touch(version, nowMs);
    })
    .catch((err) => ctx.log.warn({ err }, 'recording an access failed'));
}

/** A restore of a version in an archive tier: it is FREQUENT (readable) again from now. */
export async function restoreFromTier(ctx: EngineContext, version: ObjectVersion): Promise<void> {
  await ctx.access.touch(version, ctx.clock.nowMs());
}

/** Current INTELLIGENT_TIERING objects of a bucket by access tier (usage reports). */
export async function tierUsage(
  ctx: EngineContext,
  bucket: BucketRecord,
): Promise<Partial<Record<AccessTier, { count: number; bytes: number }>>> {
  const config = await stored(ctx, bucket);
  const nowMs = ctx.clock.nowMs();
  const out: Partial<Record<AccessTier, { count: number; bytes: number }>> = {};
  for (const o of await ctx.access.tieredObjects(bucket.id)) {
    const tier = tierAfter(nowMs - o.lastAccessMs, thresholdsFor(config, o.key, o.tagging));
    const sum = (out[tier] ??= { count: 0, bytes: 0 });
    sum.count++;
    sum.bytes += o.size;
  }
  return out;
}

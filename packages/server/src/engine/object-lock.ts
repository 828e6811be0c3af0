import { S3Error } from '@coffer/protocol';
import type { BucketRecord, ObjectLock, ObjectVersion, Retention } from '../stores/types.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';
import { findObject } from './find-object.js';

/**
 * Object lock (WORM): a bucket with object lock enabled keeps versioning on for good; each version
 * can carry a retention (GOVERNANCE or COMPLIANCE until a date) and a legal hold, and while either
 * applies the version cannot be deleted — not by a request, not by a lifecycle rule. New versions get
 * the bucket's default retention unless the request names one.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html ;
 * COS: https://www.tencentcloud.com/document/product/436/40221
 */
const OBJECT_LOCK = 'object-lock';
const DAY_MS = 86_400_000;

export type RetentionMode = Retention['mode'];

/** A bucket's object lock configuration (PUT Bucket ?object-lock). */
export interface BucketLockConfiguration {
  enabled: true;
  /** The default retention of new versions. */
  rule?: { mode: RetentionMode; days?: number; years?: number };
}

/** What a write request asks for: x-amz-object-lock-mode / -retain-until-date / -legal-hold. */
export interface RequestedLock {
  retention?: Retention;
  legalHold?: boolean;
}

const MISSING_CONFIGURATION = 'Bucket is missing Object Lock Configuration';

export async function bucketLockConfiguration(
  ctx: EngineContext,
  bucket: BucketRecord,
): Promise<BucketLockConfiguration | undefined> {
  const doc = await ctx.meta.getBucketConfig(bucket.id, OBJECT_LOCK);
  return doc === undefined ? undefined : (JSON.parse(doc) as BucketLockConfiguration);
}

async function requireLockedBucket(ctx: EngineContext, name: string): Promise<BucketRecord> {
  const bucket = await requireBucket(ctx, name);
  if (!(await bucketLockConfiguration(ctx, bucket))) throw new S3Error('InvalidRequest', MISSING_CONFIGURATION);
  return bucket;
}

/** Makes a new bucket an object lock bucket (x-amz-bucket-object-lock-enabled: true): versioning on for good. */
export async function enableObjectLock(ctx: EngineContext, bucket: BucketRecord): Promise<void> {
  await ctx.meta.setBucketVersioning(bucket.id, 'Enabled');
  await ctx.meta.setBucketConfig(bucket.id, OBJECT_LOCK, JSON.stringify({ enabled: true }));
}

/**
 * PUT Bucket ?object-lock: sets the default retention, or enables object lock on a bucket whose
 * versioning is Enabled (S3 allows that since 2023). Once enabled it cannot be disabled.
 */
export async function putObjectLockConfiguration(
  ctx: EngineContext,
  name: string,
  config: BucketLockConfiguration,
): Promise<void> {
  const bucket = await requireBucket(ctx, name);
  if (!(await bucketLockConfiguration(ctx, bucket)) && bucket.versioning !== 'Enabled') {
    throw new S3Error(
      'InvalidBucketState',
      'Versioning must be Enabled on the bucket to apply an Object Lock configuration.',
    );
  }
  await ctx.meta.setBucketConfig(bucket.id, OBJECT_LOCK, JSON.stringify(config));
}

/** GET Bucket ?object-lock, or 404 ObjectLockConfigurationNotFoundError. */
export async function getObjectLockConfiguration(ctx: EngineContext, name: string): Promise<BucketLockConfiguration> {
  const bucket = await requireBucket(ctx, name);
  const config = await bucketLockConfiguration(ctx, bucket);
  if (!config) {
    throw new S3Error(
      'ObjectLockConfigurationNotFoundError',
      'Object Lock configuration does not exist for this bucket.',
      {
        details: { BucketName: name },
      },
    );
  }
  return config;
}

/** Suspending versioning would let a PUT replace a locked 'null' version: refused on a lock bucket. */
export async function checkVersioningChange(ctx: EngineContext, bucket: BucketRecord, status: string): Promise<void> {
  if (status !== 'Enabled' && (await bucketLockConfiguration(ctx, bucket))) {
    throw new S3Error(
      'InvalidBucketState',
      'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.',
    );
  }
}

/**
 * The lock a new version in `bucket` gets: what the request names, else the bucket's default
 * retention. Asking for a lock in a bucket without object lock is 400 InvalidRequest.
 */
export async function lockForWrite(
  ctx: EngineContext,
  bucket: BucketRecord,
  requested: RequestedLock | undefined,
): Promise<ObjectLock | undefined> {
  return resolveLock(await bucketLockConfiguration(ctx, bucket), requested, ctx.clock.nowMs());
}

/** Whether a write asks for any lock at all. */
export function asksForLock(requested: RequestedLock | undefined): requested is RequestedLock {
  return requested !== undefined && (requested.retention !== undefined || requested.legalHold !== undefined);
}

/** lockForWrite once the bucket's configuration is known: synchronous, so a store transaction can call it. */
export function resolveLock(
  config: BucketLockConfiguration | undefined,
  requested: RequestedLock | undefined,
  nowMs: number,
): ObjectLock | undefined {
  if (!config) {
    if (asksForLock(requested)) throw new S3Error('InvalidRequest', MISSING_CONFIGURATION);
    return undefined;
  }
  let retention = requested?.retention;
  if (retention !== undefined) checkFuture(retention, nowMs);
  if (retention === undefined && config.rule) {
    const days = config.rule.days ?? (config.rule.years ?? 0) * 365;
    retention = { mode: config.rule.mode, untilMs: nowMs + days * DAY_MS };
  }
  const lock: ObjectLock = {
    ...(retention !== undefined ? { retention } : {}),
    ...(requested?.legalHold !== undefined ? { legalHold: requested.legalHold } : {}),
  };
  return lock.retention === undefined && lock.legalHold === undefined ? undefined : lock;
}

function checkFuture(retention: Retention, nowMs: number): void {
  if (retention.untilMs <= nowMs) {
    throw new S3Error('InvalidArgument', 'The retain until date must be in the future!', {
      details: { ArgumentName: 'RetainUntilDate', ArgumentValue: new Date(retention.untilMs).toISOString() },
    });
  }
}

const PROTECTED = 'Access Denied because object protected by object lock.';

/**
 * Whether a version's retention may become `next`: a COMPLIANCE retention can only be extended and
 * stays COMPLIANCE; a GOVERNANCE one can be extended, and shortened, removed or changed to another
 * mode only with x-amz-bypass-governance-retention (by a caller allowed to), as S3 (and Ceph's
 * conformance tests) have it.
 */
function checkRetentionChange(
  current: Retention | undefined,
  next: Retention | undefined,
  nowMs: number,
  bypassGovernance: boolean,
): void {
  if (!current || current.untilMs <= nowMs) return;
  const shortens = next === undefined || next.untilMs < current.untilMs;
  if (current.mode === 'COMPLIANCE') {
    if (shortens || next?.mode !== 'COMPLIANCE') throw new S3Error('AccessDenied', PROTECTED);
    return;
  }
  if ((shortens || next?.mode !== 'GOVERNANCE') && !bypassGovernance) throw new S3Error('AccessDenied', PROTECTED);
}

interface VersionInput {
  bucket: string;
  key: string;
  versionId?: string;
}

async function updateLock(
  ctx: EngineContext,
  input: VersionInput,
  update: (current: ObjectVersion) => ObjectLock,
): Promise<ObjectVersion> {
  const bucket = await requireLockedBucket(ctx, input.bucket);
  const version = await findObject(ctx, bucket, input.key, input.versionId);
  const changed = await ctx.meta.setObjectLock(bucket.id, input.key, version.versionId, update);
  if (!changed) throw new S3Error(input.versionId === undefined ? 'NoSuchKey' : 'NoSuchVersion');
  return version;
}

/** PUT Object ?retention (undefined retention: remove it, GOVERNANCE with bypass only). */
export function putObjectRetention(
  ctx: EngineContext,
  input: VersionInput & { retention: Retention | undefined; bypassGovernance: boolean },
): Promise<ObjectVersion> {
  if (input.retention) checkFuture(input.retention, ctx.clock.nowMs());
  return updateLock(ctx, input, (current) => {
    checkRetentionChange(current.lock?.retention, input.retention, ctx.clock.nowMs(), input.bypassGovernance);
    return {
      ...(input.retention ? { retention: input.retention } : {}),
      ...(current.lock?.legalHold !== undefined ? { legalHold: current.lock.legalHold } : {}),
    };
  });
}

/** PUT Object ?legal-hold. */
export function putObjectLegalHold(ctx: EngineContext, input: VersionInput & { on: boolean }): Promise<ObjectVersion> {
  return updateLock(ctx, input, (current) => ({
    ...(current.lock?.retention ? { retention: current.lock.retention } : {}),
    legalHold: input.on,
  }));
}

/** The version whose retention or legal hold is read; 400 when the bucket has no object lock. */
export async function lockedVersion(ctx: EngineContext, input: VersionInput): Promise<ObjectVersion> {
  const bucket = await requireLockedBucket(ctx, input.bucket);
  return findObject(ctx, bucket, input.key, input.versionId);
}

export const NO_LOCK_CONFIGURATION = 'The specified object does not have a ObjectLock configuration';

/** The error of a delete refused by a lock. */
export function lockedError(): S3Error {
  return new S3Error('AccessDenied', PROTECTED);
}

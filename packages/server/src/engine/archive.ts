import { S3Error } from '@coffer/protocol';
import type { ObjectVersion } from '../stores/types.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';
import { findObject } from './find-object.js';
import { type EventSource, eventRecorder } from './notifications/record.js';
import { accessTierOf, INTELLIGENT_TIERING, isArchiveTier, restoreFromTier } from './intelligent-tiering.js';

/**
 * Archive storage classes (COS ARCHIVE, DEEP_ARCHIVE, MAZ_ARCHIVE; S3 GLACIER, DEEP_ARCHIVE): their
 * versions are not readable (GET, copy source) until a restore (POST Object ?restore) makes a
 * temporary copy readable for some days, as on COS and S3. Coffer keeps every class on the same disk,
 * so a restore completes at once: the version is readable until the restore's expiry, and HEAD says
 * `x-cos-restore: ongoing-request="false", expiry-date="…"`.
 * COS: https://www.tencentcloud.com/document/product/436/12633 ;
 * S3: https://docs.aws.amazon.com/AmazonS3/latest/API/API_RestoreObject.html
 */
export const ARCHIVE_CLASSES: ReadonlySet<string> = new Set(['ARCHIVE', 'DEEP_ARCHIVE', 'MAZ_ARCHIVE', 'GLACIER']);

const DAY_MS = 86_400_000;
/** Longest restore COS and S3 accept (days). */
export const MAX_RESTORE_DAYS = 365;

/** Until when an archived version's restored copy is readable, or undefined (not archived, or not restored now). */
export function restoredUntil(version: ObjectVersion, nowMs: number): number | undefined {
  if (!ARCHIVE_CLASSES.has(version.storageClass)) return undefined;
  const until = version.restoredUntilMs;
  return until !== undefined && until > nowMs ? until : undefined;
}

/**
 * GET and copy sources: an archived version without a live restored copy, or an INTELLIGENT_TIERING
 * one in an archive tier (intelligent-tiering.ts), is 403 InvalidObjectState.
 */
export async function requireReadable(ctx: EngineContext, version: ObjectVersion): Promise<void> {
  if (version.storageClass === INTELLIGENT_TIERING) {
    const tier = await accessTierOf(ctx, version);
    if (!isArchiveTier(tier)) return;
    throw new S3Error('InvalidObjectState', "The operation is not valid for the object's access tier", {
      details: { StorageClass: version.storageClass, AccessTier: tier },
    });
  }
  if (!ARCHIVE_CLASSES.has(version.storageClass)) return;
  if (restoredUntil(version, ctx.clock.nowMs()) !== undefined) return;
  throw new S3Error('InvalidObjectState', "The operation is not valid for the object's storage class", {
    details: { StorageClass: version.storageClass },
  });
}

/**
 * POST Object ?restore: makes an archived version readable for `days` days from now (a restore of a
 * version already restored moves its expiry). `alreadyRestored` tells 200 from 202 Accepted.
 */
export async function restoreObject(
  ctx: EngineContext,
  input: { bucket: string; key: string; versionId?: string; days?: number; source?: EventSource },
): Promise<{ version: ObjectVersion; alreadyRestored: boolean; untilMs?: number }> {
  const bucket = await requireBucket(ctx, input.bucket);
  const version = await findObject(ctx, bucket, input.key, input.versionId);
  if (version.storageClass === INTELLIGENT_TIERING) {
    // S3: an INTELLIGENT_TIERING object is restored without Days, and only from an archive tier; it
    // then stays in the FREQUENT tier.
    if (input.days !== undefined) {
      throw new S3Error('MalformedXML', 'A restore of an INTELLIGENT_TIERING object takes no Days.');
    }
    if (!isArchiveTier(await accessTierOf(ctx, version))) {
      throw new S3Error('InvalidObjectState', "Restore is not allowed for the object's current access tier", {
        details: { StorageClass: version.storageClass },
      });
    }
    await restoreFromTier(ctx, version);
    return { version, alreadyRestored: false };
  }
  if (input.days === undefined) {
    throw new S3Error('MalformedXML', `RestoreRequest needs Days, a whole number from 1 to ${MAX_RESTORE_DAYS}.`);
  }
  if (!ARCHIVE_CLASSES.has(version.storageClass)) {
    throw new S3Error('InvalidObjectState', "Restore is not allowed for the object's current storage class", {
      details: { StorageClass: version.storageClass },
    });
  }
  const nowMs = ctx.clock.nowMs();
  const alreadyRestored = restoredUntil(version, nowMs) !== undefined;
  const untilMs = nowMs + input.days * DAY_MS;
  const events = await eventRecorder(ctx, bucket, input.source ?? { principalId: bucket.ownerId }, {});
  if (!(await ctx.meta.setObjectRestored(bucket.id, input.key, version.versionId, untilMs, events))) {
    throw new S3Error(input.versionId === undefined ? 'NoSuchKey' : 'NoSuchVersion');
  }
  return { version, alreadyRestored, untilMs };
}

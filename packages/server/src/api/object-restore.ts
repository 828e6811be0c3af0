import { S3Error, xmlChildren, xmlText } from '@coffer/protocol';
import { MAX_RESTORE_DAYS, restoredUntil } from '../engine/archive.js';
import type { AccessTier } from '../engine/intelligent-tiering.js';
import { sourceOf } from '../engine/notifications/record.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { httpDate, sendEmpty } from '../http-kit/respond.js';
import type { ObjectVersion } from '../stores/types.js';
import { requireXmlBody } from './bucket.js';
import { versionHeaders } from './object-headers.js';

const TIERS = ['Expedited', 'Standard', 'Bulk'];

/**
 * POST Object ?restore (COS `CASJobParameters`, S3 `GlacierJobParameters`): 202 Accepted for a new
 * restore, 200 when a restored copy exists (its expiry moves). The restore completes at once (engine/archive.ts).
 */
export async function restoreObject(ctx: RequestContext): Promise<void> {
  const doc = await requireXmlBody(ctx, 'RestoreRequest');
  if (xmlText(doc, 'Type') !== undefined) {
    throw new S3Error('NotImplemented', 'Restore requests of Type SELECT are not served.');
  }
  // Days may be left out for an INTELLIGENT_TIERING object (the engine says whether it may).
  const daysText = xmlText(doc, 'Days')?.trim();
  const days = Number(daysText);
  if (daysText !== undefined && (!/^\d+$/.test(daysText) || days < 1 || days > MAX_RESTORE_DAYS)) {
    throw new S3Error('MalformedXML', `RestoreRequest needs Days, a whole number from 1 to ${MAX_RESTORE_DAYS}.`);
  }
  for (const container of ['CASJobParameters', 'GlacierJobParameters']) {
    const tier = xmlText(xmlChildren(doc, container)[0], 'Tier')?.trim();
    if (tier !== undefined && !TIERS.includes(tier)) {
      throw new S3Error('MalformedXML', `Tier must be one of ${TIERS.join(', ')}, not "${tier}".`);
    }
  }
  const versionId = ctx.param('versionId');
  const { version, alreadyRestored } = await ctx.engine.restoreObject({
    bucket: ctx.bucket,
    key: ctx.key,
    ...(versionId !== undefined ? { versionId } : {}),
    ...(daysText !== undefined ? { days } : {}),
    source: sourceOf(ctx.actor),
  });
  const bucket = await ctx.engine.headBucket(ctx.bucket);
  sendEmpty(ctx, alreadyRestored ? 200 : 202, versionHeaders(version.versionId, bucket.versioning !== ''));
}

/** x-cos-restore / x-amz-restore on GET and HEAD of an archived version with a live restored copy. */
export function restoreHeaders(version: ObjectVersion, nowMs: number): Record<string, string> {
  const until = restoredUntil(version, nowMs);
  if (until === undefined) return {};
  const value = `ongoing-request="false", expiry-date="${httpDate(until)}"`;
  return { 'x-cos-restore': value, 'x-amz-restore': value };
}

/**
 * The access tier of an INTELLIGENT_TIERING version on GET and HEAD: COS's x-cos-storage-tier
 * (FREQUENT, INFREQUENT, ARCHIVE, DEEP_ARCHIVE), and S3's x-amz-archive-status for the archive tiers.
 * S3's Archive Instant Access tier has no COS name and no archive status (S3 sends none for it): COS
 * clients see it as INFREQUENT, which reads the same way; usage and inventory name it.
 */
export function tierHeaders(tier: AccessTier | undefined): Record<string, string> {
  if (tier === undefined) return {};
  const cos =
    tier === 'ARCHIVE_ACCESS'
      ? 'ARCHIVE'
      : tier === 'DEEP_ARCHIVE_ACCESS'
        ? 'DEEP_ARCHIVE'
        : tier === 'ARCHIVE_INSTANT_ACCESS'
          ? 'INFREQUENT'
          : tier;
  return {
    'x-cos-storage-tier': cos,
    ...(tier === 'ARCHIVE_ACCESS' || tier === 'DEEP_ARCHIVE_ACCESS' ? { 'x-amz-archive-status': tier } : {}),
  };
}

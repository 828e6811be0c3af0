import { S3Error } from '@coffer/protocol';
import {
  parseLegalHold,
  parseLockConfiguration,
  parseMode,
  parseOnOff,
  parseRetainUntil,
  parseRetention,
  renderLegalHold,
  renderLockConfiguration,
  renderRetention,
} from '../codecs/object-lock.js';
import { NO_LOCK_CONFIGURATION, type RequestedLock } from '../engine/object-lock.js';
import { authorizeRequest } from '../http-kit/authorize-request.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { isoDate, sendEmpty, sendXml } from '../http-kit/respond.js';
import type { ObjectLock } from '../stores/types.js';
import { requireXmlBody } from './bucket.js';

// Object lock over HTTP: the bucket configuration (?object-lock), a version's retention (?retention)
// and legal hold (?legal-hold), the x-amz-object-lock-* headers of writes and reads, and
// x-amz-bypass-governance-retention. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
// Their XML is codecs/object-lock.ts's; the rules, engine/object-lock.ts's.

/** x-amz-object-lock-mode, -retain-until-date (together or not at all) and -legal-hold of a write. */
export function readRequestedLock(ctx: RequestContext): RequestedLock | undefined {
  const mode = ctx.vendorHeader('object-lock-mode');
  const until = ctx.vendorHeader('object-lock-retain-until-date');
  const hold = ctx.vendorHeader('object-lock-legal-hold');
  if (mode === undefined && until === undefined && hold === undefined) return undefined;
  if ((mode === undefined) !== (until === undefined)) {
    throw new S3Error(
      'InvalidArgument',
      'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied.',
      {
        details: {
          ArgumentName: mode === undefined ? 'x-amz-object-lock-mode' : 'x-amz-object-lock-retain-until-date',
        },
      },
    );
  }
  return {
    ...(mode !== undefined && until !== undefined
      ? {
          retention: {
            mode: parseMode(mode, 'x-amz-object-lock-mode', 'InvalidArgument'),
            untilMs: parseRetainUntil(until, 'x-amz-object-lock-retain-until-date', 'InvalidArgument'),
          },
        }
      : {}),
    ...(hold !== undefined ? { legalHold: parseOnOff(hold, 'x-amz-object-lock-legal-hold', 'InvalidArgument') } : {}),
  };
}

/** The x-amz-object-lock-* headers GET and HEAD answer with. */
export function lockHeaders(lock: ObjectLock | undefined): Record<string, string> {
  if (!lock) return {};
  return {
    ...(lock.retention
      ? {
          'x-amz-object-lock-mode': lock.retention.mode,
          'x-amz-object-lock-retain-until-date': isoDate(lock.retention.untilMs),
        }
      : {}),
    ...(lock.legalHold !== undefined ? { 'x-amz-object-lock-legal-hold': lock.legalHold ? 'ON' : 'OFF' } : {}),
  };
}

/**
 * x-amz-bypass-governance-retention: true, from a caller allowed s3:BypassGovernanceRetention on the
 * object (else 403): lets a DELETE remove, and a PUT ?retention shorten, a GOVERNANCE retention.
 */
export async function bypassGovernance(ctx: RequestContext, key: string): Promise<boolean> {
  if (ctx.vendorHeader('bypass-governance-retention')?.toLowerCase() !== 'true') return false;
  await authorizeRequest(ctx, 'BypassGovernanceRetention', { bucket: ctx.bucket, key });
  return true;
}

/** PUT Bucket ?object-lock. */
export async function putObjectLockConfiguration(ctx: RequestContext): Promise<void> {
  const config = parseLockConfiguration(await requireXmlBody(ctx, 'ObjectLockConfiguration'));
  await ctx.engine.putObjectLockConfiguration(ctx.bucket, config);
  sendEmpty(ctx, 200);
}

/** GET Bucket ?object-lock. */
export async function getObjectLockConfiguration(ctx: RequestContext): Promise<void> {
  const config = await ctx.engine.getObjectLockConfiguration(ctx.bucket);
  sendXml(ctx, 'ObjectLockConfiguration', renderLockConfiguration(config));
}

function versionParam(ctx: RequestContext): { versionId?: string } {
  const versionId = ctx.param('versionId');
  return versionId !== undefined ? { versionId } : {};
}

/** PUT Object ?retention: an empty Retention removes it (GOVERNANCE, with the bypass header). */
export async function putObjectRetention(ctx: RequestContext): Promise<void> {
  const retention = parseRetention(await requireXmlBody(ctx, 'Retention'));
  await ctx.engine.putObjectRetention({
    bucket: ctx.bucket,
    key: ctx.key,
    ...versionParam(ctx),
    retention,
    bypassGovernance: await bypassGovernance(ctx, ctx.key),
  });
  sendEmpty(ctx, 200);
}

/** GET Object ?retention, or 404 NoSuchObjectLockConfiguration. */
export async function getObjectRetention(ctx: RequestContext): Promise<void> {
  const version = await ctx.engine.lockedVersion({ bucket: ctx.bucket, key: ctx.key, ...versionParam(ctx) });
  const retention = version.lock?.retention;
  if (!retention) throw new S3Error('NoSuchObjectLockConfiguration', NO_LOCK_CONFIGURATION);
  sendXml(ctx, 'Retention', renderRetention(retention));
}

/** PUT Object ?legal-hold. */
export async function putObjectLegalHold(ctx: RequestContext): Promise<void> {
  const on = parseLegalHold(await requireXmlBody(ctx, 'LegalHold'));
  await ctx.engine.putObjectLegalHold({ bucket: ctx.bucket, key: ctx.key, ...versionParam(ctx), on });
  sendEmpty(ctx, 200);
}

/** GET Object ?legal-hold, or 404 NoSuchObjectLockConfiguration when none was ever set. */
export async function getObjectLegalHold(ctx: RequestContext): Promise<void> {
  const version = await ctx.engine.lockedVersion({ bucket: ctx.bucket, key: ctx.key, ...versionParam(ctx) });
  const hold = version.lock?.legalHold;
  if (hold === undefined) throw new S3Error('NoSuchObjectLockConfiguration', NO_LOCK_CONFIGURATION);
  sendXml(ctx, 'LegalHold', renderLegalHold(hold));
}

import { S3Error, xmlChildren, xmlText } from '@coffer/protocol';
import {
  type BucketLockConfiguration,
  NO_LOCK_CONFIGURATION,
  type RequestedLock,
  type RetentionMode,
} from '../engine/object-lock.js';
import { authorizeRequest } from '../http-kit/authorize-request.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { isoDate, sendEmpty, sendXml } from '../http-kit/respond.js';
import type { ObjectLock, Retention } from '../stores/types.js';
import { requireXmlBody } from './bucket.js';

/**
 * Object lock over HTTP: the bucket configuration (?object-lock), a version's retention (?retention)
 * and legal hold (?legal-hold), the x-amz-object-lock-* headers of writes and reads, and
 * x-amz-bypass-governance-retention. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
 */
const MODES: readonly RetentionMode[] = ['GOVERNANCE', 'COMPLIANCE'];

function parseMode(value: string, argumentName: string, code: 'InvalidArgument' | 'MalformedXML'): RetentionMode {
  if (!(MODES as readonly string[]).includes(value)) {
    throw new S3Error(code, `Unknown object lock mode "${value}": GOVERNANCE or COMPLIANCE.`, {
      ...(code === 'InvalidArgument' ? { details: { ArgumentName: argumentName, ArgumentValue: value } } : {}),
    });
  }
  return value as RetentionMode;
}

function parseDate(value: string, argumentName: string, code: 'InvalidArgument' | 'MalformedXML'): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) {
    throw new S3Error(code, `The retain until date "${value}" is not an ISO 8601 date and time.`, {
      ...(code === 'InvalidArgument' ? { details: { ArgumentName: argumentName, ArgumentValue: value } } : {}),
    });
  }
  return ms;
}

function parseOnOff(value: string, argumentName: string, code: 'InvalidArgument' | 'MalformedXML'): boolean {
  if (value !== 'ON' && value !== 'OFF') {
    throw new S3Error(code, `A legal hold status is ON or OFF, not "${value}".`, {
      ...(code === 'InvalidArgument' ? { details: { ArgumentName: argumentName, ArgumentValue: value } } : {}),
    });
  }
  return value === 'ON';
}

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
            untilMs: parseDate(until, 'x-amz-object-lock-retain-until-date', 'InvalidArgument'),
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
  const doc = await requireXmlBody(ctx, 'ObjectLockConfiguration');
  const enabled = xmlText(doc, 'ObjectLockEnabled')?.trim();
  if (enabled !== 'Enabled') {
    throw new S3Error('MalformedXML', 'ObjectLockEnabled must be "Enabled": object lock cannot be turned off.');
  }
  const config: BucketLockConfiguration = { enabled: true };
  const rule = xmlChildren(doc, 'Rule')[0];
  if (rule !== undefined) {
    const retention = xmlChildren(rule, 'DefaultRetention')[0];
    if (retention === undefined) throw new S3Error('MalformedXML', 'A Rule needs a DefaultRetention.');
    const mode = xmlText(retention, 'Mode')?.trim();
    const days = xmlText(retention, 'Days')?.trim();
    const years = xmlText(retention, 'Years')?.trim();
    if ((days === undefined) === (years === undefined)) {
      throw new S3Error('MalformedXML', 'A DefaultRetention has either Days or Years.');
    }
    const period = Number(days ?? years);
    if (!Number.isInteger(period) || period <= 0 || !/^\d+$/.test(days ?? years ?? '')) {
      throw new S3Error('InvalidRetentionPeriod', 'Default retention period must be a positive integer value.');
    }
    config.rule = {
      // COS's DefaultRetention has Days only; its locks behave as COMPLIANCE.
      mode: mode === undefined ? 'COMPLIANCE' : parseMode(mode, 'Mode', 'MalformedXML'),
      ...(days !== undefined ? { days: period } : { years: period }),
    };
  }
  await ctx.engine.putObjectLockConfiguration(ctx.bucket, config);
  sendEmpty(ctx, 200);
}

/** GET Bucket ?object-lock. */
export async function getObjectLockConfiguration(ctx: RequestContext): Promise<void> {
  const config = await ctx.engine.getObjectLockConfiguration(ctx.bucket);
  sendXml(ctx, 'ObjectLockConfiguration', {
    ObjectLockEnabled: 'Enabled',
    ...(config.rule
      ? {
          Rule: {
            DefaultRetention: {
              Mode: config.rule.mode,
              ...(config.rule.days !== undefined ? { Days: String(config.rule.days) } : {}),
              ...(config.rule.years !== undefined ? { Years: String(config.rule.years) } : {}),
            },
          },
        }
      : {}),
  });
}

function versionParam(ctx: RequestContext): { versionId?: string } {
  const versionId = ctx.param('versionId');
  return versionId !== undefined ? { versionId } : {};
}

/** PUT Object ?retention: an empty Retention removes it (GOVERNANCE, with the bypass header). */
export async function putObjectRetention(ctx: RequestContext): Promise<void> {
  const doc = await requireXmlBody(ctx, 'Retention');
  const mode = xmlText(doc, 'Mode')?.trim();
  const until = xmlText(doc, 'RetainUntilDate')?.trim();
  if ((mode === undefined) !== (until === undefined)) {
    throw new S3Error('MalformedXML', 'A Retention has both Mode and RetainUntilDate, or neither.');
  }
  const retention: Retention | undefined =
    mode !== undefined && until !== undefined
      ? { mode: parseMode(mode, 'Mode', 'MalformedXML'), untilMs: parseDate(until, 'RetainUntilDate', 'MalformedXML') }
      : undefined;
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
  sendXml(ctx, 'Retention', { Mode: retention.mode, RetainUntilDate: isoDate(retention.untilMs) });
}

/** PUT Object ?legal-hold. */
export async function putObjectLegalHold(ctx: RequestContext): Promise<void> {
  const doc = await requireXmlBody(ctx, 'LegalHold');
  const status = xmlText(doc, 'Status')?.trim();
  if (status === undefined) throw new S3Error('MalformedXML', 'A LegalHold has a Status, ON or OFF.');
  const on = parseOnOff(status, 'Status', 'MalformedXML');
  await ctx.engine.putObjectLegalHold({ bucket: ctx.bucket, key: ctx.key, ...versionParam(ctx), on });
  sendEmpty(ctx, 200);
}

/** GET Object ?legal-hold, or 404 NoSuchObjectLockConfiguration when none was ever set. */
export async function getObjectLegalHold(ctx: RequestContext): Promise<void> {
  const version = await ctx.engine.lockedVersion({ bucket: ctx.bucket, key: ctx.key, ...versionParam(ctx) });
  const hold = version.lock?.legalHold;
  if (hold === undefined) throw new S3Error('NoSuchObjectLockConfiguration', NO_LOCK_CONFIGURATION);
  sendXml(ctx, 'LegalHold', { Status: hold ? 'ON' : 'OFF' });
}

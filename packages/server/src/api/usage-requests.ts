import { S3Error } from '@coffer/protocol';
import { accountOf } from '../authz/authorize.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendJson } from '../http-kit/respond.js';
import { requireOperator, requirePermanentRoot } from './admin-users.js';
import { checkParams } from './usage.js';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Intervals one answer may hold at most: a week by the minute. */
const MAX_INTERVALS = 7 * 24 * 60;
/** Without `step`, about this many intervals (24 h → 5 minutes, 1 h → 1 minute). */
const DEFAULT_INTERVALS = 300;

/** A time parameter: ISO 8601 (`2026-12-06T01:00:00Z`) or Unix seconds. */
function timeParam(ctx: RequestContext, name: string): number | undefined {
  const value = ctx.param(name);
  if (value === undefined) return undefined;
  const ms = /^\d{1,12}$/.test(value)
    ? Number(value) * 1000
    : /^\d{4}-\d\d-\d\dT/.test(value)
      ? Date.parse(value)
      : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new S3Error(
      'InvalidArgument',
      `${name} must be an ISO 8601 time (2026-12-06T01:00:00Z) or Unix seconds; got '${value}'.`,
      { details: { ArgumentName: name, ArgumentValue: value } },
    );
  }
  return ms;
}

function stepParam(ctx: RequestContext, rangeMs: number): number {
  const value = ctx.param('step');
  if (value === undefined) {
    return Math.max(1, Math.ceil(rangeMs / DEFAULT_INTERVALS / MINUTE_MS)) * MINUTE_MS;
  }
  const seconds = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds >= 60) || seconds % 60 !== 0) {
    throw new S3Error(
      'InvalidArgument',
      `step must be a whole number of minutes in seconds (60, 300, 3600, …): counts are kept per minute; got '${value}'.`,
      { details: { ArgumentName: 'step', ArgumentValue: value } },
    );
  }
  return seconds * 1000;
}

/**
 * GET /-/admin/usage/requests[?bucket=B][&since=T][&until=T][&step=S] — requests by operation over
 * time, from the counts every gateway keeps (docs/admin-api.md, "Requests over time"). For an
 * account root about its own buckets; the deployment's operator for any bucket, or all of them
 * without `bucket`. Sub-users and narrowed STS credentials are refused, as on the rest of /-/admin.
 */
export async function adminUsageRequests(ctx: RequestContext): Promise<void> {
  checkParams(ctx, ['bucket', 'since', 'until', 'step']);
  const account = requirePermanentRoot(ctx);
  const name = ctx.param('bucket');
  if (name === '') throw new S3Error('InvalidArgument', 'bucket is empty: name a bucket, or leave it out for all.');
  if (name === undefined) requireOperator(ctx);
  const nowMs = Date.now();
  // The current minute is included: until defaults to the end of it.
  const untilMs = ceilMinute(timeParam(ctx, 'until') ?? nowMs + 1);
  const sinceMs = floorMinute(timeParam(ctx, 'since') ?? untilMs - DAY_MS);
  if (sinceMs >= untilMs) {
    throw new S3Error('InvalidArgument', 'since must be before until (both are rounded to the minute).', {
      details: { ArgumentName: 'since' },
    });
  }
  const stepMs = stepParam(ctx, untilMs - sinceMs);
  const intervals = Math.ceil((untilMs - sinceMs) / stepMs);
  if (intervals > MAX_INTERVALS) {
    throw new S3Error(
      'InvalidArgument',
      `The range holds ${intervals} intervals of step; at most ${MAX_INTERVALS}: widen step or narrow the range.`,
      { details: { ArgumentName: 'step' } },
    );
  }
  if (name !== undefined) {
    // Another account's bucket: as if refused by policy (only the operator sees every bucket), before any counting.
    const bucket = await ctx.engine.headBucket(name);
    if (accountOf(bucket.ownerId) !== account && account !== ctx.accounts.rootUin) {
      throw new S3Error('AccessDenied', 'The bucket belongs to another account.');
    }
  }
  const series = await ctx.engine.requestSeries({
    ...(name !== undefined ? { bucket: name } : {}),
    sinceMs,
    untilMs,
    stepMs,
  });
  sendJson(ctx, 200, {
    bucket: name ?? null,
    since: new Date(sinceMs).toISOString(),
    until: new Date(untilMs).toISOString(),
    step: stepMs / 1000,
    operations: series.operations,
    intervals: series.intervals.map((i) => ({
      start: new Date(i.startMs).toISOString(),
      requests: i.requests,
      errors: i.errors,
    })),
    totals: series.totals,
  });
}

function floorMinute(ms: number): number {
  return ms - (((ms % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
}

function ceilMinute(ms: number): number {
  const floor = floorMinute(ms);
  return floor === ms ? ms : floor + MINUTE_MS;
}

import { S3Error } from '@coffer/protocol';
import { ACTIONS, type Operation } from '../authz/actions.js';
import { authorizeRequest, bucketAccessOnce } from '../http-kit/authorize-request.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendJson } from '../http-kit/respond.js';

/** What GET /-/whoami reports per bucket when the request names no `operation`: what the console offers. */
export const CONSOLE_OPERATIONS: readonly Operation[] = [
  'HeadBucket',
  'ListObjects',
  'GetObject',
  'PutObject',
  'DeleteObject',
  'GetObjectAcl',
  'PutObjectAcl',
  'GetObjectTagging',
  'PutObjectTagging',
  'RestoreObject',
  'DeleteBucket',
  'GetBucketUsage',
  'GetBucketVersioning',
  'PutBucketVersioning',
  'ListObjectVersions',
  'ListMultipartUploads',
  'AbortMultipartUpload',
  'GetBucketLifecycle',
  'PutBucketLifecycle',
  'GetBucketAcl',
  'PutBucketAcl',
  'GetBucketPolicy',
  'PutBucketPolicy',
  'GetBucketCors',
  'PutBucketCors',
  'GetBucketReferer',
  'PutBucketReferer',
  'GetBucketTagging',
  'PutBucketTagging',
  'GetBucketEncryption',
  'PutBucketEncryption',
  'GetObjectLockConfiguration',
  'PutObjectLockConfiguration',
  'GetBucketLogging',
  'PutBucketLogging',
  'ListBucketInventoryConfigurations',
  'PutBucketInventoryConfiguration',
  'GetBucketNotification',
  'PutBucketNotification',
  'GetBucketRecycle',
  'PutBucketRecycle',
  'ListRecycled',
  'RestoreRecycled',
  'PurgeRecycled',
];

const MAX_BUCKETS = 100;

/** A repeated parameter, or one with comma-separated values (`bucket=a,b`: simpler to sign). */
function listParam(ctx: RequestContext, name: string): string[] {
  return ctx.query
    .getAll(name)
    .flatMap((v) => v.split(','))
    .filter((v) => v !== '');
}

async function allowed(ctx: RequestContext, operation: Operation, target?: { bucket: string; key?: string }) {
  try {
    await authorizeRequest(ctx, operation, target);
    return true;
  } catch (err) {
    if (err instanceof S3Error && (err.code === 'AccessDenied' || err.code === 'AllAccessDisabled')) return false;
    throw err;
  }
}

/**
 * GET /-/whoami[?bucket=B,…][&operation=Op,…][&prefix=P] (repeated or comma-separated) — the signed-in caller and what it may do, decided
 * by the same authorization function every request goes through (user policies, session policy, bucket
 * policy, ACLs), without doing any of it: the console hides what would be refused instead of offering it.
 * Any signed caller may ask about itself. Object operations are decided for keys under `prefix` (a key
 * `<prefix>*`, so a policy on `bucket/photos/*` allows writes in photos/ and not at the top).
 * A bucket that does not exist answers null.
 */
export async function whoami(ctx: RequestContext): Promise<void> {
  const principal = ctx.auth.principal!;
  const buckets = listParam(ctx, 'bucket');
  if (buckets.length > MAX_BUCKETS) {
    throw new S3Error('InvalidArgument', `Ask about at most ${MAX_BUCKETS} buckets at once.`);
  }
  const asked = listParam(ctx, 'operation');
  for (const op of asked) {
    if (!Object.hasOwn(ACTIONS, op)) {
      throw new S3Error('InvalidArgument', `Unknown operation '${op}'.`, { details: { ArgumentName: 'operation' } });
    }
  }
  const operations = asked.length > 0 ? (asked as Operation[]) : CONSOLE_OPERATIONS;
  const prefix = ctx.param('prefix') ?? '';
  const answer: Record<string, Record<string, boolean> | null> = {};
  for (const bucket of buckets) {
    if (!(await bucketAccessOnce(ctx, bucket))) {
      answer[bucket] = null;
      continue;
    }
    const ops: Record<string, boolean> = {};
    for (const op of operations) {
      const objectLevel = ACTIONS[op].target === 'object';
      ops[op] = await allowed(ctx, op, { bucket, ...(objectLevel ? { key: `${prefix}*` } : {}) });
    }
    answer[bucket] = ops;
  }
  sendJson(ctx, 200, {
    id: ctx.caller.id,
    accountUin: principal.ownerUin,
    isRoot: principal.isRoot && principal.sessionPolicy === undefined,
    appId: principal.appId,
    temporary: principal.sessionExpiresMs !== undefined,
    service: {
      ListBuckets: await allowed(ctx, 'ListBuckets'),
      CreateBucket: await allowed(ctx, 'CreateBucket', { bucket: '*' }),
    },
    buckets: answer,
  });
}

/**
 * GET /-/notification-targets — the notification destinations the operator declared (COFFER_NOTIFY_…),
 * as a bucket's configuration names them (`arn:coffer:sqs::<ID>:<kind>`), for any signed caller: the
 * console offers them in its notification form. Never their URLs or options (they may hold secrets).
 */
export function listNotificationTargets(ctx: RequestContext): void {
  sendJson(ctx, 200, {
    targets: ctx.config.notify.targets.map((t) => ({
      id: t.id,
      kind: t.kind,
      arn: `arn:coffer:sqs::${t.id}:${t.kind}`,
    })),
  });
}

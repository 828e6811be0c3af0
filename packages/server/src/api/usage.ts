import { S3Error } from '@coffer/protocol';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendJson } from '../http-kit/respond.js';

/** Query parameters that carry a presigned request's signature (SigV4, SigV2, COS), never a usage option. */
function isSigningParam(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    lower.startsWith('x-amz-') ||
    lower.startsWith('q-') ||
    ['sign', 'awsaccesskeyid', 'signature', 'expires', 'x-cos-security-token'].includes(lower)
  );
}

/** Refuses a parameter the endpoint does not know: a misspelt `prefix` must not answer for the whole bucket. */
export function checkParams(ctx: RequestContext, allowed: readonly string[]): void {
  for (const name of ctx.query.keys()) {
    if (allowed.includes(name) || isSigningParam(name)) continue;
    throw new S3Error('InvalidArgument', `Unknown parameter '${name}'; allowed: ${allowed.join(', ')}.`, {
      details: { ArgumentName: name },
    });
  }
}

function flag(ctx: RequestContext, name: string): boolean {
  const value = ctx.param(name);
  if (value === undefined || value === 'false') return false;
  if (value === '' || value === 'true') return true;
  throw new S3Error('InvalidArgument', `${name} must be true or false.`, { details: { ArgumentName: name } });
}

/**
 * The usage report both endpoints answer with. Without a prefix: the bucket's live totals (current
 * objects by storage class, noncurrent versions, delete markers, incomplete uploads) and its
 * lifecycle figures. With one: the current objects and bytes under it (a "folder size"). Both read
 * figures kept by every write (docs/operations.md, "Usage"); `recount=true` counts the rows instead.
 */
async function sendUsage(ctx: RequestContext, bucketName: string, ownerOnly: boolean): Promise<void> {
  const recount = flag(ctx, 'recount');
  const prefix = ctx.param('prefix');
  if (prefix !== undefined) {
    const { bucket, usage } = await ctx.engine.folderUsage(bucketName, prefix, { recount });
    if (bucket.ownerId !== ctx.actor.ownerId && ownerOnly) throw new S3Error('AccessDenied');
    sendJson(ctx, 200, { bucket: bucket.name, prefix, objects: usage });
    return;
  }
  const { bucket, usage, tiers } = await ctx.engine.bucketUsage(bucketName, { recount });
  if (bucket.ownerId !== ctx.actor.ownerId && ownerOnly) throw new S3Error('AccessDenied');
  const lifecycle = await ctx.engine.lifecycleStats(bucketName);
  const totals = Object.values(usage.objects).reduce(
    (sum, c) => ({ count: sum.count + c.count, bytes: sum.bytes + c.bytes }),
    { count: 0, bytes: 0 },
  );
  sendJson(ctx, 200, {
    bucket: bucket.name,
    objects: {
      count: totals.count,
      bytes: totals.bytes,
      byStorageClass: usage.objects,
      // INTELLIGENT_TIERING objects by access tier (FREQUENT, INFREQUENT, ARCHIVE_INSTANT_ACCESS,
      // ARCHIVE_ACCESS, DEEP_ARCHIVE_ACCESS).
      ...(tiers !== undefined ? { intelligentTieringByTier: tiers } : {}),
    },
    noncurrentVersions: usage.noncurrentVersions,
    deleteMarkers: usage.deleteMarkers,
    incompleteUploads: usage.incompleteUploads,
    recycled: usage.recycled,
    lifecycle: {
      ...lifecycle,
      lastRun: lifecycle.lastRunMs !== undefined ? new Date(lifecycle.lastRunMs).toISOString() : null,
    },
  });
}

/**
 * GET /-/admin/usage?bucket=NAME[&prefix=P][&recount=true] — for the bucket's owner (docs/admin-api.md).
 * Incomplete uploads take space and block bucket deletion, as the COS FAQ explains.
 */
export async function adminUsage(ctx: RequestContext): Promise<void> {
  checkParams(ctx, ['bucket', 'prefix', 'recount']);
  const name = ctx.param('bucket');
  if (!name) throw new S3Error('InvalidArgument', 'Name the bucket: /-/admin/usage?bucket=NAME');
  await sendUsage(ctx, name, true);
}

/**
 * GET /<bucket>?usage[&prefix=P][&recount=true] — Coffer's own bucket sub-resource, signed like any
 * COS/S3 request and authorized like one: the owner, or anyone a policy grants `s3:GetBucketUsage`
 * (COS: `name/cos:GetBucketUsage`). COS has no API to query a bucket's size (its API FAQ:
 * https://intl.cloud.tencent.com/document/product/436/10687); this answers it. JSON, as /-/admin/usage.
 */
export async function getBucketUsage(ctx: RequestContext): Promise<void> {
  checkParams(ctx, ['usage', 'prefix', 'recount']);
  // Authorized by the dispatcher (GetBucketUsage), as every bucket operation is.
  await sendUsage(ctx, ctx.address.bucket!, false);
}

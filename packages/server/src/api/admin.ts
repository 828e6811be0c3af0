import { S3Error } from '@coffer/protocol';
import { sendJson } from '../http/internal.js';
import type { RequestContext } from '../http/request-context.js';

/**
 * GET /-/admin/usage?bucket=NAME — what a bucket holds, for its owner: current objects by storage
 * class, noncurrent versions, delete markers, and incomplete multipart uploads (which take space
 * and block bucket deletion, as the COS FAQ explains).
 */
export async function adminUsage(ctx: RequestContext): Promise<void> {
  const name = ctx.param('bucket');
  if (!name) throw new S3Error('InvalidArgument', 'Name the bucket: /-/admin/usage?bucket=NAME');
  const { bucket, usage } = await ctx.engine.bucketUsage(name);
  const lifecycle = await ctx.engine.lifecycleStats(name);
  const recycleBin = await ctx.engine.recycledUsage(name);
  if (bucket.ownerId !== ctx.actor.ownerId) throw new S3Error('AccessDenied');
  const totals = Object.values(usage.objects).reduce(
    (sum, c) => ({ count: sum.count + c.count, bytes: sum.bytes + c.bytes }),
    { count: 0, bytes: 0 },
  );
  sendJson(ctx, 200, {
    bucket: bucket.name,
    objects: { count: totals.count, bytes: totals.bytes, byStorageClass: usage.objects },
    noncurrentVersions: usage.noncurrentVersions,
    deleteMarkers: usage.deleteMarkers,
    incompleteUploads: usage.incompleteUploads,
    recycleBin,
    lifecycle: {
      ...lifecycle,
      lastRun: lifecycle.lastRunMs !== undefined ? new Date(lifecycle.lastRunMs).toISOString() : null,
    },
  });
}

/**
 * POST /-/admin/lifecycle/run — runs a lifecycle pass now (root only) and answers with what it did.
 * `?wait=false` starts it and answers 202 at once.
 */
export async function adminRunLifecycle(ctx: RequestContext): Promise<void> {
  if (!ctx.auth.principal?.isRoot) throw new S3Error('AccessDenied');
  const run = ctx.engine.runLifecycle();
  if (ctx.param('wait') === 'false') {
    run.catch((err) => ctx.log.error({ err }, 'lifecycle run failed'));
    sendJson(ctx, 202, { started: true });
    return;
  }
  sendJson(ctx, 200, await run);
}

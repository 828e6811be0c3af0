import { S3Error } from '@coffer/protocol';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendJson } from '../http-kit/respond.js';
import { requireOperator } from './admin-users.js';

/**
 * POST /-/admin/lifecycle/run — runs a lifecycle pass now (the operator only) and answers with what it did.
 * A pass already running, on this gateway or another of the cluster, is joined: the answer is its
 * summary. `?wait=false` starts (or joins) it and answers 202 at once.
 */
export async function adminRunLifecycle(ctx: RequestContext): Promise<void> {
  requireOperator(ctx);
  const run = ctx.engine.runLifecycle();
  if (ctx.param('wait') === 'false') {
    run.catch((err) => ctx.log.error({ err }, 'lifecycle run failed'));
    sendJson(ctx, 202, { started: true });
    return;
  }
  sendJson(ctx, 200, await run);
}

/**
 * GET /-/admin/notifications[?dead-letters=N] — bucket notification delivery (docs/notifications.md),
 * for the root: per-target delivered, retried, failed, backlog and oldest undelivered, and the
 * newest dead letters (at most N, default 100, up to 1000).
 */
export async function adminNotifications(ctx: RequestContext): Promise<void> {
  requireOperator(ctx);
  const limit = Math.min(Number(ctx.param('dead-letters') ?? 100) || 100, 1000);
  sendJson(ctx, 200, {
    targets: await ctx.engine.notificationMetrics(),
    deadLetters: (await ctx.engine.deadLetters(limit)).map((d) => ({
      id: d.id,
      target: d.target,
      key: d.key,
      recorded: new Date(d.createdMs).toISOString(),
      deadLettered: new Date(d.deadMs).toISOString(),
      attempts: d.attempts,
      lastError: d.lastError ?? null,
      event: JSON.parse(d.payload) as unknown,
    })),
  });
}

/** How long a cluster-wide flush waits for the other gateways to spool their buffered records. */
const GATEWAYS_FLUSH_TIMEOUT_MS = 5_000;

/**
 * POST /-/admin/logging/flush — delivers every spooled access log record now (root only), including
 * batches waiting for a retry, and answers with what was delivered and what still fails. In a cluster,
 * every live gateway first spools the records it buffers, and `gateways` says which answered.
 */
export async function adminFlushLogging(ctx: RequestContext): Promise<void> {
  requireOperator(ctx);
  const gateways = await ctx.engine.accessLog.flushAllGateways(GATEWAYS_FLUSH_TIMEOUT_MS);
  const summary = await ctx.engine.accessLog.deliver({
    maxRecords: ctx.config.accessLogMaxRecords,
    retryMs: ctx.config.accessLogRetryMs,
    force: true,
  });
  sendJson(ctx, 200, {
    ...summary,
    backlog: await ctx.engine.accessLog.backlog(),
    ...(gateways ? { gateways } : {}),
  });
}

/**
 * POST /-/admin/inventory/run?bucket=B&id=ID — writes that configuration's report now (root only) and
 * answers with its manifest key, files and rows. `&wait=false` checks the configuration, starts the
 * report and answers 202 at once (a report of millions of keys takes minutes).
 */
export async function adminRunInventory(ctx: RequestContext): Promise<void> {
  requireOperator(ctx);
  for (const name of ctx.query.keys()) {
    if (name !== 'bucket' && name !== 'id' && name !== 'wait') {
      throw new S3Error('InvalidArgument', `Unknown parameter '${name}'; allowed: bucket, id, wait.`, {
        details: { ArgumentName: name },
      });
    }
  }
  const bucket = ctx.param('bucket');
  const id = ctx.param('id');
  if (!bucket || !id) throw new S3Error('InvalidArgument', 'Name the report: ?bucket=B&id=ID.');
  const wait = ctx.param('wait');
  if (wait !== undefined && wait !== 'true' && wait !== 'false') {
    throw new S3Error('InvalidArgument', 'wait must be true or false.', { details: { ArgumentName: 'wait' } });
  }
  if (wait === 'false') {
    await ctx.engine.getBucketInventory(bucket, id);
    ctx.engine.runInventory(bucket, id).catch((err) => ctx.log.error({ err, bucket, id }, 'inventory report failed'));
    sendJson(ctx, 202, { started: true });
    return;
  }
  sendJson(ctx, 200, await ctx.engine.runInventory(bucket, id));
}

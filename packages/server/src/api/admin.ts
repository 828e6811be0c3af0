import { S3Error } from '@coffer/protocol';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendJson } from '../http-kit/respond.js';
import { requirePermanentRoot } from './admin-users.js';

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

/**
 * GET /-/admin/notifications[?dead-letters=N] — bucket notification delivery (docs/notifications.md),
 * for the root: per-target delivered, retried, failed, backlog and oldest undelivered, and the
 * newest dead letters (at most N, default 100, up to 1000).
 */
export async function adminNotifications(ctx: RequestContext): Promise<void> {
  requirePermanentRoot(ctx);
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

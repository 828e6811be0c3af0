import type { RequestContext } from '../http-kit/request-context.js';
import { sendJson } from '../http-kit/respond.js';
import { requireOperator } from './admin-users.js';

/**
 * POST /-/admin/lifecycle/run — runs a lifecycle pass now (root only) and answers with what it did.
 * `?wait=false` starts it and answers 202 at once.
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

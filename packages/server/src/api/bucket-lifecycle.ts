import { parseLifecycle, renderLifecycle } from '../codecs/lifecycle.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import { requireXmlBody } from './bucket.js';

/** PUT Bucket ?lifecycle: validated whole; a bad rule is named in the error. */
export async function putBucketLifecycle(ctx: RequestContext): Promise<void> {
  const rules = parseLifecycle(await requireXmlBody(ctx, 'LifecycleConfiguration', 1024 * 1024), {
    anyTime: ctx.flavor === 'cos',
  });
  await ctx.engine.putBucketLifecycle(ctx.bucket, rules);
  sendEmpty(ctx, 200);
}

/** GET Bucket ?lifecycle: 404 NoSuchLifecycleConfiguration when none (the COS SDK turns that into Rules: []). */
export async function getBucketLifecycle(ctx: RequestContext): Promise<void> {
  const rules = await ctx.engine.getBucketLifecycle(ctx.bucket);
  sendXml(ctx, 'LifecycleConfiguration', renderLifecycle(rules));
}

export async function deleteBucketLifecycle(ctx: RequestContext): Promise<void> {
  await ctx.engine.deleteBucketLifecycle(ctx.bucket);
  sendEmpty(ctx, 204);
}

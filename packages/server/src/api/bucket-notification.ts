import { parseXml } from '@coffer/protocol';
import { parseNotification, renderNotification } from '../codecs/notification.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';

/**
 * PUT Bucket ?notification: S3's QueueConfiguration and COS's CloudFunctionConfiguration, each naming
 * a declared target `arn:coffer:sqs::<ID>:<kind>`; an empty NotificationConfiguration turns
 * notifications off. An unknown target is 400 InvalidArgument naming it.
 */
export async function putBucketNotification(ctx: RequestContext): Promise<void> {
  const body = await ctx.readSmallBody(256 * 1024);
  const root = body.trim() === '' ? {} : parseXml(body, 'NotificationConfiguration');
  await ctx.engine.putBucketNotification(ctx.bucket, parseNotification(root));
  sendEmpty(ctx, 200);
}

/** GET Bucket ?notification: the configuration as put (an empty one when none). */
export async function getBucketNotification(ctx: RequestContext): Promise<void> {
  const rules = await ctx.engine.getBucketNotification(ctx.bucket);
  sendXml(ctx, 'NotificationConfiguration', renderNotification(rules));
}

import { requireBucket } from '../buckets.js';
import type { EngineContext } from '../context.js';

export type { Notifier } from '../context.js';

import { bucketNotificationRules, NOTIFICATION_CONFIG } from './record.js';
import { checkTargets, type NotificationRule } from './rules.js';

/**
 * PUT Bucket ?notification (S3 and COS forms). An empty configuration removes it.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
 */
export async function putBucketNotification(
  ctx: EngineContext,
  name: string,
  rules: NotificationRule[],
): Promise<void> {
  const bucket = await requireBucket(ctx, name);
  checkTargets(rules, ctx.notifier?.targetNames ?? new Set());
  await ctx.meta.setBucketConfig(bucket.id, NOTIFICATION_CONFIG, rules.length ? JSON.stringify(rules) : null);
}

export async function getBucketNotification(ctx: EngineContext, name: string): Promise<NotificationRule[]> {
  const bucket = await requireBucket(ctx, name);
  return bucketNotificationRules(ctx, bucket.id);
}

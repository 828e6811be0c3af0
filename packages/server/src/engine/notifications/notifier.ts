import type { XmlNode } from '@coffer/protocol';
import { requireBucket } from '../buckets.js';
import type { EngineContext } from '../context.js';
import { type NotificationRule, parseNotification } from './config.js';
import { bucketNotificationRules, NOTIFICATION_CONFIG } from './record.js';

/** What the engine knows of the delivery worker (workers/notify-delivery.ts), which the server attaches. */
export interface Notifier {
  /** `<kind>:<ID>` of every declared target: a bucket configuration may name only these. */
  readonly targetNames: ReadonlySet<string>;
  /** Events were recorded: deliver soon. */
  wake(): void;
  /** Per-target delivery metrics, for the admin endpoint. */
  metrics(): Promise<unknown[]>;
}

/**
 * PUT Bucket ?notification (S3 and COS forms). An empty configuration removes it.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
 */
export async function putBucketNotification(ctx: EngineContext, name: string, root: XmlNode): Promise<void> {
  const bucket = await requireBucket(ctx, name);
  const rules = parseNotification(root, ctx.notifier?.targetNames ?? new Set());
  await ctx.meta.setBucketConfig(bucket.id, NOTIFICATION_CONFIG, rules.length ? JSON.stringify(rules) : null);
}

export async function getBucketNotification(ctx: EngineContext, name: string): Promise<NotificationRule[]> {
  const bucket = await requireBucket(ctx, name);
  return bucketNotificationRules(ctx, bucket.id);
}

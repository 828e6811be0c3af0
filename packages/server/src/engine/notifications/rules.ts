import { S3Error } from '@coffer/protocol';

/**
 * A bucket's notification configuration, normalised. S3's form names a queue per configuration
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html);
 * COS's names a CloudFunction (https://cloud.tencent.com/document/product/436/8588). Either way the
 * destination is an operator-declared target written `arn:coffer:sqs::<ID>:<kind>`.
 */
export interface NotificationRule {
  id: string;
  /** The element it was written as, so GET returns the same shape. */
  style: 'queue' | 'cloud-function';
  /** The destination ARN as written (`arn:coffer:sqs::<ID>:<kind>`). */
  arn: string;
  /** `<kind>:<ID>`, the outbox's target name. */
  target: string;
  /** Event patterns as written (`s3:ObjectCreated:*`, `cos:ObjectRemove:Delete`, …). */
  events: string[];
  prefix: string;
  suffix: string;
}

export const TARGET_KINDS = ['webhook', 'redis', 'nats', 'amqp', 'mqtt'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** Event names Coffer records (without the `s3:` prefix), as S3 names them. */
export const EVENT_NAMES = [
  'ObjectCreated:Put',
  'ObjectCreated:Post',
  'ObjectCreated:Copy',
  'ObjectCreated:CompleteMultipartUpload',
  'ObjectCreated:Append',
  'ObjectRemoved:Delete',
  'ObjectRemoved:DeleteMarkerCreated',
  'LifecycleExpiration:Delete',
  'LifecycleExpiration:DeleteMarkerCreated',
  'ObjectRestore:Post',
  'ObjectRestore:Completed',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

export function invalidNotification(message: string, name: string, value: string): S3Error {
  return new S3Error('InvalidArgument', message, { details: { ArgumentName: name, ArgumentValue: value } });
}

/** `s3:ObjectCreated:*` or `cos:ObjectRemove:Delete` → the S3 form without prefix; refuses unknown names. */
export function normalizeEventPattern(pattern: string): string {
  const m = /^(?:s3|cos):(.+)$/.exec(pattern.trim());
  // COS writes ObjectRemove where S3 writes ObjectRemoved.
  const body = m?.[1]?.replace(/^ObjectRemove:/, 'ObjectRemoved:');
  if (body === undefined)
    throw invalidNotification(`The event "${pattern}" is not supported for notifications.`, 'Event', pattern);
  const [group, which] = body.split(':');
  if (which === '*' && EVENT_NAMES.some((e) => e.startsWith(`${group}:`))) return body;
  if ((EVENT_NAMES as readonly string[]).includes(body)) return body;
  if (body === 'ObjectRestore:*' || body === 'LifecycleExpiration:*') return body;
  throw invalidNotification(`The event "${pattern}" is not supported for notifications.`, 'Event', pattern);
}

/**
 * Whether an event matches a pattern. Lifecycle expirations also count as ObjectRemoved, because
 * Coffer's documents list lifecycle expiry under the removal events (docs/notifications.md).
 */
export function eventMatches(pattern: string, event: EventName): boolean {
  const [group, which] = pattern.split(':');
  const [eventGroup, eventWhich] = event.split(':');
  const groupMatches = group === eventGroup || (group === 'ObjectRemoved' && eventGroup === 'LifecycleExpiration');
  return groupMatches && (which === '*' || which === eventWhich);
}

/** The rules that fire for an event on a key. */
export function matchingRules(rules: NotificationRule[], event: EventName, key: string): NotificationRule[] {
  return rules.filter(
    (r) =>
      key.startsWith(r.prefix) &&
      key.endsWith(r.suffix) &&
      r.events.some((p) => eventMatches(normalizeEventPattern(p), event)),
  );
}

/**
 * Refuses a configuration naming a target the operator did not declare (`knownTargets` holds
 * `<kind>:<ID>` of each), as S3 refuses a destination it cannot validate.
 */
export function checkTargets(rules: NotificationRule[], knownTargets: ReadonlySet<string>): void {
  for (const rule of rules) {
    if (knownTargets.has(rule.target)) continue;
    const [kind, id] = rule.target.split(':');
    throw invalidNotification(
      `Unable to validate the following destination configurations: no ${kind} target "${id}" is declared on this server (COFFER_NOTIFY_${kind!.toUpperCase()}_${id}).`,
      rule.style === 'queue' ? 'Queue' : 'CloudFunction',
      rule.arn,
    );
  }
}

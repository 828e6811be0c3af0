import { S3Error, type XmlNode, type XmlObject, xmlChild, xmlChildren, xmlText, xmlTextOf } from '@coffer/protocol';

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

const MAX_RULES = 100;
const ARN = /^arn:coffer:sqs:[^:]*:([A-Za-z0-9_-]+):([a-z]+)$/;

function invalid(message: string, name: string, value: string): S3Error {
  return new S3Error('InvalidArgument', message, { details: { ArgumentName: name, ArgumentValue: value } });
}

/** `s3:ObjectCreated:*` or `cos:ObjectRemove:Delete` → the S3 form without prefix; refuses unknown names. */
export function normalizeEventPattern(pattern: string): string {
  const m = /^(?:s3|cos):(.+)$/.exec(pattern.trim());
  // COS writes ObjectRemove where S3 writes ObjectRemoved.
  const body = m?.[1]?.replace(/^ObjectRemove:/, 'ObjectRemoved:');
  if (body === undefined) throw invalid(`The event "${pattern}" is not supported for notifications.`, 'Event', pattern);
  const [group, which] = body.split(':');
  if (which === '*' && EVENT_NAMES.some((e) => e.startsWith(`${group}:`))) return body;
  if ((EVENT_NAMES as readonly string[]).includes(body)) return body;
  if (body === 'ObjectRestore:*' || body === 'LifecycleExpiration:*') return body;
  throw invalid(`The event "${pattern}" is not supported for notifications.`, 'Event', pattern);
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
 * Parses `<NotificationConfiguration>`: QueueConfiguration (S3) and CloudFunctionConfiguration
 * (COS) elements, each with an Id, Event(s), a destination and an optional prefix/suffix Filter.
 * `knownTargets` holds `<kind>:<ID>` of every target the operator declared; naming another is
 * InvalidArgument. Topic and Lambda destinations are refused: Coffer has no SNS or functions.
 */
export function parseNotification(root: XmlNode, knownTargets: ReadonlySet<string>): NotificationRule[] {
  const rules: NotificationRule[] = [];
  for (const name of ['TopicConfiguration', 'LambdaFunctionConfiguration']) {
    if (xmlChildren(root, name).length > 0) {
      throw invalid(
        `${name} is not supported: declare a target (COFFER_NOTIFY_<KIND>_<ID>) and name it in a QueueConfiguration.`,
        name,
        '',
      );
    }
  }
  const entries = [
    ...xmlChildren(root, 'QueueConfiguration').map((node) => ({ node, style: 'queue' as const, field: 'Queue' })),
    ...xmlChildren(root, 'CloudFunctionConfiguration').map((node) => ({
      node,
      style: 'cloud-function' as const,
      field: 'CloudFunction',
    })),
  ];
  if (entries.length > MAX_RULES)
    throw invalid(`At most ${MAX_RULES} configurations.`, 'NotificationConfiguration', '');
  for (const [index, { node, style, field }] of entries.entries()) {
    const arn = (xmlText(node, field) ?? '').trim();
    const m = ARN.exec(arn);
    if (!m) {
      throw invalid(
        `The destination "${arn}" is not a Coffer target ARN: write arn:coffer:sqs::<ID>:<kind>, kind one of ${TARGET_KINDS.join(', ')}.`,
        field,
        arn,
      );
    }
    const target = `${m[2]}:${m[1]}`;
    if (!(TARGET_KINDS as readonly string[]).includes(m[2]!) || !knownTargets.has(target)) {
      throw invalid(
        `Unable to validate the following destination configurations: no ${m[2]} target "${m[1]}" is declared on this server (COFFER_NOTIFY_${m[2]!.toUpperCase()}_${m[1]}).`,
        field,
        arn,
      );
    }
    const events = xmlChildren(node, 'Event').map((e) => xmlTextOf(e).trim());
    if (events.length === 0) throw invalid('A configuration needs at least one Event.', 'Event', '');
    for (const e of events) normalizeEventPattern(e);
    let prefix = '';
    let suffix = '';
    const key = xmlChild(xmlChild(node, 'Filter'), 'S3Key');
    for (const rule of xmlChildren(key, 'FilterRule')) {
      const ruleName = (xmlText(rule, 'Name') ?? '').toLowerCase();
      const value = xmlText(rule, 'Value') ?? '';
      if (ruleName === 'prefix') prefix = value;
      else if (ruleName === 'suffix') suffix = value;
      else throw invalid(`FilterRule Name must be prefix or suffix, not "${ruleName}".`, 'FilterRule', ruleName);
    }
    const id = xmlText(node, 'Id') ?? `notification-${index + 1}`;
    rules.push({ id, style, arn, target, events, prefix, suffix });
  }
  return rules;
}

/** The configuration as GET ?notification returns it. */
export function renderNotification(rules: NotificationRule[]): XmlObject {
  const render = (r: NotificationRule, field: string): XmlObject => ({
    Id: r.id,
    ...(r.prefix || r.suffix
      ? {
          Filter: {
            S3Key: {
              FilterRule: [
                ...(r.prefix ? [{ Name: 'prefix', Value: r.prefix }] : []),
                ...(r.suffix ? [{ Name: 'suffix', Value: r.suffix }] : []),
              ],
            },
          },
        }
      : {}),
    [field]: r.arn,
    Event: r.events,
  });
  const queues = rules.filter((r) => r.style === 'queue').map((r) => render(r, 'Queue'));
  const functions = rules.filter((r) => r.style === 'cloud-function').map((r) => render(r, 'CloudFunction'));
  return {
    ...(queues.length ? { QueueConfiguration: queues } : {}),
    ...(functions.length ? { CloudFunctionConfiguration: functions } : {}),
  };
}

import { type XmlNode, type XmlObject, xmlChild, xmlChildren, xmlText, xmlTextOf } from '@coffer/protocol';
import {
  invalidNotification,
  type NotificationRule,
  normalizeEventPattern,
  TARGET_KINDS,
} from '../engine/notifications/rules.js';

/**
 * The NotificationConfiguration XML of PUT and GET Bucket notification, in S3's form
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html) and
 * COS's (https://cloud.tencent.com/document/product/436/8588).
 */

const MAX_RULES = 100;
const ARN = /^arn:coffer:sqs:[^:]*:([A-Za-z0-9_-]+):([a-z]+)$/;

/**
 * Parses `<NotificationConfiguration>`: QueueConfiguration (S3) and CloudFunctionConfiguration
 * (COS) elements, each with an Id, Event(s), a destination and an optional prefix/suffix Filter.
 * Topic and Lambda destinations are refused: Coffer has no SNS or functions. Whether the named
 * target is declared on this server is the engine's check (engine/notifications/rules.ts).
 */
export function parseNotification(root: XmlNode): NotificationRule[] {
  const rules: NotificationRule[] = [];
  for (const name of ['TopicConfiguration', 'LambdaFunctionConfiguration']) {
    if (xmlChildren(root, name).length > 0) {
      throw invalidNotification(
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
    throw invalidNotification(`At most ${MAX_RULES} configurations.`, 'NotificationConfiguration', '');
  for (const [index, { node, style, field }] of entries.entries()) {
    const arn = (xmlText(node, field) ?? '').trim();
    const m = ARN.exec(arn);
    if (!m) {
      throw invalidNotification(
        `The destination "${arn}" is not a Coffer target ARN: write arn:coffer:sqs::<ID>:<kind>, kind one of ${TARGET_KINDS.join(', ')}.`,
        field,
        arn,
      );
    }
    const target = `${m[2]}:${m[1]}`;
    const events = xmlChildren(node, 'Event').map((e) => xmlTextOf(e).trim());
    if (events.length === 0) throw invalidNotification('A configuration needs at least one Event.', 'Event', '');
    for (const e of events) normalizeEventPattern(e);
    let prefix = '';
    let suffix = '';
    const key = xmlChild(xmlChild(node, 'Filter'), 'S3Key');
    for (const rule of xmlChildren(key, 'FilterRule')) {
      const ruleName = (xmlText(rule, 'Name') ?? '').toLowerCase();
      const value = xmlText(rule, 'Value') ?? '';
      if (ruleName === 'prefix') prefix = value;
      else if (ruleName === 'suffix') suffix = value;
      else
        throw invalidNotification(
          `FilterRule Name must be prefix or suffix, not "${ruleName}".`,
          'FilterRule',
          ruleName,
        );
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

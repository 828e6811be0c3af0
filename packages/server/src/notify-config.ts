/**
 * Notification targets the operator declares (docs/notifications.md). Parsed by the config loader
 * (config.ts), the only reader of process.env.
 *
 *   COFFER_NOTIFY_WEBHOOK_<ID>=https://…          COFFER_NOTIFY_WEBHOOK_<ID>_SECRET=…  (HMAC key)
 *   COFFER_NOTIFY_REDIS_<ID>=redis://host:6379     …_STREAM (default coffer-events)
 *   COFFER_NOTIFY_NATS_<ID>=nats://host:4222       …_SUBJECT (default coffer.events), …_STREAM (default COFFER_EVENTS)
 *   COFFER_NOTIFY_AMQP_<ID>=amqp://user:pw@host    …_QUEUE (default coffer-events)
 *   COFFER_NOTIFY_MQTT_<ID>=mqtt://host:1883       …_TOPIC (default coffer/events)
 *
 * A bucket names one as `arn:coffer:sqs::<ID>:<kind>`.
 */
export type NotifyTargetKind = 'webhook' | 'redis' | 'nats' | 'amqp' | 'mqtt';

export interface NotifyTarget {
  kind: NotifyTargetKind;
  /** Letters, digits and '-': what the bucket's ARN names. */
  id: string;
  url: string;
  /** Options by lower-case name (secret, stream, subject, queue, topic). */
  options: Record<string, string>;
}

export interface NotifyConfig {
  targets: NotifyTarget[];
  /** Events a target could not take for this long move to the dead-letter list. COFFER_NOTIFY_DEAD_LETTER_DAYS. Default 7. */
  deadLetterAfterMs: number;
  /** How many events of one target the worker sends per round. */
  batchSize: number;
}

const OPTIONS: Record<NotifyTargetKind, string[]> = {
  webhook: ['SECRET'],
  redis: ['STREAM'],
  nats: ['SUBJECT', 'STREAM'],
  amqp: ['QUEUE'],
  mqtt: ['TOPIC'],
};

const DAY_MS = 86_400_000;

export class NotifyConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads COFFER_NOTIFY_* from an environment. */
export function parseNotifyConfig(env: Record<string, string | undefined>): NotifyConfig {
  const targets = new Map<string, NotifyTarget>();
  const options: { kind: NotifyTargetKind; id: string; name: string; value: string; env: string }[] = [];
  for (const [name, value] of Object.entries(env)) {
    const m = /^COFFER_NOTIFY_(WEBHOOK|REDIS|NATS|AMQP|MQTT)_(.+)$/.exec(name);
    if (!m || value === undefined) continue;
    const kind = m[1]!.toLowerCase() as NotifyTargetKind;
    const rest = m[2]!;
    const option = OPTIONS[kind].find((o) => rest.endsWith(`_${o}`));
    if (option) {
      options.push({ kind, id: rest.slice(0, -option.length - 1), name: option.toLowerCase(), value, env: name });
      continue;
    }
    if (!/^[A-Za-z0-9-]+$/.test(rest)) {
      throw new NotifyConfigError(`${name}: the target id "${rest}" must be letters, digits and '-'`);
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new NotifyConfigError(`${name}: "${value}" is not a URL`);
    }
    const schemes: Record<NotifyTargetKind, string[]> = {
      webhook: ['http:', 'https:'],
      redis: ['redis:', 'rediss:'],
      nats: ['nats:', 'tls:'],
      amqp: ['amqp:', 'amqps:'],
      mqtt: ['mqtt:', 'mqtts:', 'ws:', 'wss:'],
    };
    if (!schemes[kind].includes(url.protocol)) {
      throw new NotifyConfigError(`${name}: a ${kind} target's URL starts with ${schemes[kind].join(' or ')}`);
    }
    targets.set(`${kind}:${rest}`, { kind, id: rest, url: value, options: {} });
  }
  for (const o of options) {
    const target = targets.get(`${o.kind}:${o.id}`);
    if (!target)
      throw new NotifyConfigError(`${o.env} names no declared target COFFER_NOTIFY_${o.kind.toUpperCase()}_${o.id}`);
    target.options[o.name] = o.value;
  }
  const days = env.COFFER_NOTIFY_DEAD_LETTER_DAYS;
  const n = days === undefined || days === '' ? 7 : Number(days);
  if (!Number.isFinite(n) || n <= 0) {
    throw new NotifyConfigError(`COFFER_NOTIFY_DEAD_LETTER_DAYS "${days}" must be a positive number of days`);
  }
  return { targets: [...targets.values()], deadLetterAfterMs: n * DAY_MS, batchSize: 256 };
}

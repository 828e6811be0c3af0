import { z } from 'zod';

/**
 * Notification targets the operator declares (docs/notifications.md), in the environment or in the
 * config file. Parsed by the config loader (config.ts), the only reader of process.env.
 *
 *   COFFER_NOTIFY_WEBHOOK_<ID>=https://…          COFFER_NOTIFY_WEBHOOK_<ID>_SECRET=…  (HMAC key)
 *   COFFER_NOTIFY_REDIS_<ID>=redis://host:6379     …_STREAM (default coffer-events)
 *   COFFER_NOTIFY_NATS_<ID>=nats://host:4222       …_SUBJECT (default coffer.events), …_STREAM (default COFFER_EVENTS)
 *   COFFER_NOTIFY_AMQP_<ID>=amqp://user:pw@host    …_QUEUE (default coffer-events)
 *   COFFER_NOTIFY_MQTT_<ID>=mqtt://host:1883       …_TOPIC (default coffer/events)
 *
 * or in the config file (TOML), one table per target, with the options in lower case:
 *
 *   [notify]
 *   dead_letter_days = 7
 *   [notify.webhook.thumbs]
 *   url = "https://…"
 *   secret = "…"
 *   [notify.nats.bus]
 *   url = "nats://host:4222"
 *   subject = "coffer.events"
 *
 * The environment wins over the file: a variable naming the same kind and id replaces the file's URL,
 * and an option variable (`…_SECRET`) sets that option of a target declared either way, so a secret
 * can stay out of the file. A bucket names one as `arn:coffer:sqs::<ID>:<kind>`.
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

const KINDS = Object.keys(OPTIONS) as NotifyTargetKind[];

const SCHEMES: Record<NotifyTargetKind, string[]> = {
  webhook: ['http:', 'https:'],
  redis: ['redis:', 'rediss:'],
  nats: ['nats:', 'tls:'],
  amqp: ['amqp:', 'amqps:'],
  mqtt: ['mqtt:', 'mqtts:', 'ws:', 'wss:'],
};

/** `name` (a variable or a file key) holds a target's id and URL: both checked, or NotifyConfigError. */
function checkTarget(name: string, kind: NotifyTargetKind, id: string, value: string): void {
  if (!/^[A-Za-z0-9-]+$/.test(id)) {
    throw new NotifyConfigError(`${name}: the target id "${id}" must be letters, digits and '-'`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new NotifyConfigError(`${name}: "${value}" is not a URL`);
  }
  if (!SCHEMES[kind].includes(url.protocol)) {
    throw new NotifyConfigError(`${name}: a ${kind} target's URL starts with ${SCHEMES[kind].join(' or ')}`);
  }
}

/** The `[notify]` table of a config file: a table of targets per kind, each a URL and its options. */
function fileSchema() {
  const target = (kind: NotifyTargetKind) =>
    z.strictObject({
      url: z.string({ error: 'must be a URL (a string)' }),
      ...Object.fromEntries(
        OPTIONS[kind].map((o) => [o.toLowerCase(), z.string({ error: 'must be a string' }).optional()]),
      ),
    });
  return z.strictObject({
    dead_letter_days: z
      .number({ error: 'must be a number of days' })
      .positive({ error: 'must be positive' })
      .optional(),
    ...Object.fromEntries(KINDS.map((kind) => [kind, z.record(z.string(), target(kind)).optional()])),
  });
}

/** The notification part of a config file: its name (for errors) and its `[notify]` table. */
export interface NotifyFileTable {
  file: string;
  table: Record<string, unknown>;
}

function fromFile({ file, table }: NotifyFileTable): { targets: NotifyTarget[]; deadLetterDays?: number } {
  const checked = fileSchema().safeParse(table);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const where = ['notify', ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      const known =
        where.length === 1
          ? ['dead_letter_days', ...KINDS]
          : ['url', ...OPTIONS[where[1] as NotifyTargetKind].map((o) => o.toLowerCase())];
      throw new NotifyConfigError(
        `${file}: unknown key "${[...where, issue.keys[0]].join('.')}" (known there: ${known.join(', ')})`,
      );
    }
    throw new NotifyConfigError(`${file}: ${where.join('.')}: ${issue.message}`);
  }
  const data = checked.data as Record<string, unknown> & { dead_letter_days?: number };
  const targets: NotifyTarget[] = [];
  for (const kind of KINDS) {
    const byId = (data[kind] ?? {}) as Record<string, Record<string, string | undefined>>;
    for (const [id, { url, ...rest }] of Object.entries(byId)) {
      checkTarget(`${file}: notify.${kind}.${id}.url`, kind, id, url!);
      const options = Object.fromEntries(Object.entries(rest).filter((e): e is [string, string] => e[1] !== undefined));
      targets.push({ kind, id, url: url!, options });
    }
  }
  return { targets, ...(data.dead_letter_days !== undefined ? { deadLetterDays: data.dead_letter_days } : {}) };
}

/** Reads COFFER_NOTIFY_* from an environment, over the `[notify]` table of a config file if there is one. */
export function parseNotifyConfig(env: Record<string, string | undefined>, file?: NotifyFileTable): NotifyConfig {
  const fromTable = file ? fromFile(file) : { targets: [] };
  const targets = new Map<string, NotifyTarget>(fromTable.targets.map((t) => [`${t.kind}:${t.id}`, t]));
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
    checkTarget(name, kind, rest, value);
    const declared = targets.get(`${kind}:${rest}`);
    targets.set(`${kind}:${rest}`, { kind, id: rest, url: value, options: { ...declared?.options } });
  }
  for (const o of options) {
    const target = targets.get(`${o.kind}:${o.id}`);
    if (!target)
      throw new NotifyConfigError(`${o.env} names no declared target COFFER_NOTIFY_${o.kind.toUpperCase()}_${o.id}`);
    target.options[o.name] = o.value;
  }
  const days = env.COFFER_NOTIFY_DEAD_LETTER_DAYS;
  const n = days === undefined || days === '' ? (fromTable.deadLetterDays ?? 7) : Number(days);
  if (!Number.isFinite(n) || n <= 0) {
    throw new NotifyConfigError(`COFFER_NOTIFY_DEAD_LETTER_DAYS "${days}" must be a positive number of days`);
  }
  return { targets: [...targets.values()], deadLetterAfterMs: n * DAY_MS, batchSize: 256 };
}

/**
 * Form views of bucket logging (BucketLoggingStatus) and bucket notifications (NotificationConfiguration),
 * over the XML the editor holds (see settings/forms.tsx for the pattern).
 */
import { Alert, Button, Checkbox, Fieldset, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import type { ConfigForm } from '../../components/ui/config-editor.js';

function parse(text: string, root: string): Element | undefined {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length > 0) return undefined;
  return doc.documentElement.tagName === root ? doc.documentElement : undefined;
}

function first(el: Element | undefined, name: string): Element | undefined {
  return el ? [...el.children].find((c) => c.tagName === name) : undefined;
}

function textOf(el: Element | undefined, name: string): string {
  return first(el, name)?.textContent?.trim() ?? '';
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function Unreadable() {
  return (
    <Alert color="yellow" title="This document cannot be shown as a form">
      Fix it in the XML view.
    </Alert>
  );
}

// ---------------------------------------------------------------- logging

export interface LoggingModel {
  targetBucket: string;
  targetPrefix: string;
}

export function parseLogging(text: string): LoggingModel | undefined {
  const root = parse(text, 'BucketLoggingStatus');
  if (!root) return undefined;
  const enabled = first(root, 'LoggingEnabled');
  return { targetBucket: textOf(enabled, 'TargetBucket'), targetPrefix: textOf(enabled, 'TargetPrefix') };
}

export function renderLogging(m: LoggingModel): string {
  return [
    '<BucketLoggingStatus>',
    '  <LoggingEnabled>',
    `    <TargetBucket>${esc(m.targetBucket)}</TargetBucket>`,
    `    <TargetPrefix>${esc(m.targetPrefix)}</TargetPrefix>`,
    '  </LoggingEnabled>',
    '</BucketLoggingStatus>',
  ].join('\n');
}

/** The logging form; `buckets` are the ones the caller can see, offered as targets. */
export function loggingForm(buckets: string[]): ConfigForm {
  return {
    validate: (text) => {
      const m = parseLogging(text);
      if (!m) return 'The document is not a BucketLoggingStatus.';
      if (!m.targetBucket) return 'Choose the bucket the logs are written to.';
      return undefined;
    },
    render: ({ text, onChange, readOnly }) => {
      const m = parseLogging(text);
      if (!m) return <Unreadable />;
      const write = (patch: Partial<LoggingModel>) => onChange(renderLogging({ ...m, ...patch }));
      const options = [...new Set([...buckets, ...(m.targetBucket ? [m.targetBucket] : [])])];
      return (
        <Group align="start" grow data-testid="logging-form">
          <Select
            label="Target bucket"
            description="Where the access log files are written (it may be this bucket)"
            data={options}
            value={m.targetBucket || null}
            onChange={(v) => write({ targetBucket: v ?? '' })}
            searchable
            disabled={readOnly}
            allowDeselect={false}
          />
          <TextInput
            label="Log file prefix"
            description="Each log file's key starts with this (logs/ by default)"
            value={m.targetPrefix}
            onChange={(e) => write({ targetPrefix: e.currentTarget.value })}
            disabled={readOnly}
          />
        </Group>
      );
    },
  };
}

// ---------------------------------------------------------------- notifications

export const NOTIFICATION_EVENTS = [
  { value: 's3:ObjectCreated:*', label: 'Object created (PUT, POST, copy, multipart, append)' },
  { value: 's3:ObjectRemoved:*', label: 'Object removed (DELETE, delete markers)' },
  { value: 's3:ObjectRestore:*', label: 'Archive restore started or done' },
  { value: 's3:LifecycleExpiration:*', label: 'Removed by a lifecycle rule' },
];

export interface NotificationRow {
  id: string;
  arn: string;
  events: string[];
  prefix: string;
  suffix: string;
}

export function parseNotifications(text: string): NotificationRow[] | undefined {
  const root = parse(text, 'NotificationConfiguration');
  if (!root) return undefined;
  return [...root.children]
    .filter((c) => c.tagName === 'QueueConfiguration' || c.tagName === 'CloudFunctionConfiguration')
    .map((c) => {
      const rules = [...c.getElementsByTagName('FilterRule')];
      const rule = (name: string) =>
        rules.find((r) => textOf(r, 'Name').toLowerCase() === name)?.getElementsByTagName('Value')[0]?.textContent ??
        '';
      return {
        id: textOf(c, 'Id'),
        arn: textOf(c, c.tagName === 'QueueConfiguration' ? 'Queue' : 'CloudFunction'),
        events: [...c.children].filter((e) => e.tagName === 'Event').map((e) => e.textContent?.trim() ?? ''),
        prefix: rule('prefix'),
        suffix: rule('suffix'),
      };
    });
}

export function renderNotifications(rows: NotificationRow[]): string {
  const lines = ['<NotificationConfiguration>'];
  for (const r of rows) {
    lines.push('  <QueueConfiguration>', `    <Id>${esc(r.id)}</Id>`);
    if (r.prefix || r.suffix) {
      lines.push('    <Filter>', '      <S3Key>');
      if (r.prefix) lines.push(`        <FilterRule><Name>prefix</Name><Value>${esc(r.prefix)}</Value></FilterRule>`);
      if (r.suffix) lines.push(`        <FilterRule><Name>suffix</Name><Value>${esc(r.suffix)}</Value></FilterRule>`);
      lines.push('      </S3Key>', '    </Filter>');
    }
    lines.push(`    <Queue>${esc(r.arn)}</Queue>`);
    for (const e of r.events) lines.push(`    <Event>${esc(e)}</Event>`);
    lines.push('  </QueueConfiguration>');
  }
  lines.push('</NotificationConfiguration>');
  return lines.join('\n');
}

/** The notifications form; `targets` are the server's declared targets (GET /-/notification-targets). */
export function notificationForm(targets: { arn: string; id: string; kind: string }[]): ConfigForm {
  return {
    validate: (text) => {
      const rows = parseNotifications(text);
      if (!rows) return 'The document is not a NotificationConfiguration.';
      for (const [i, r] of rows.entries()) {
        if (!r.arn) return `Notification ${i + 1}: choose a target.`;
        if (r.events.length === 0) return `Notification ${i + 1}: choose at least one event.`;
      }
      const ids = rows.map((r) => r.id);
      if (new Set(ids).size !== ids.length) return 'Two notifications have the same name.';
      return undefined;
    },
    render: ({ text, onChange, readOnly }) => {
      const rows = parseNotifications(text);
      if (!rows) return <Unreadable />;
      const write = (next: NotificationRow[]) => onChange(renderNotifications(next));
      const update = (i: number, patch: Partial<NotificationRow>) =>
        write(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
      const options = targets.map((t) => ({ value: t.arn, label: `${t.id} (${t.kind})` }));
      for (const r of rows)
        if (r.arn && !options.some((o) => o.value === r.arn)) options.push({ value: r.arn, label: r.arn });
      return (
        <Stack gap="sm" data-testid="notification-form">
          {targets.length === 0 && (
            <Text size="sm" c="dimmed">
              This server declares no notification targets: the operator adds them
              (COFFER_NOTIFY_&lt;KIND&gt;_&lt;ID&gt;).
            </Text>
          )}
          {rows.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a row is its position
            <Fieldset key={i} legend={`Notification ${i + 1}`} disabled={readOnly} data-testid="notification-rule">
              <Stack gap="xs">
                <Group grow align="start">
                  <TextInput label="Name" value={r.id} onChange={(e) => update(i, { id: e.currentTarget.value })} />
                  <Select
                    label="Target"
                    data={options}
                    value={r.arn || null}
                    onChange={(v) => update(i, { arn: v ?? '' })}
                    allowDeselect={false}
                    error={r.arn ? undefined : 'Choose a target'}
                  />
                </Group>
                <Checkbox.Group
                  label="Events"
                  value={r.events}
                  onChange={(v) => update(i, { events: v })}
                  error={r.events.length === 0 ? 'Choose at least one event' : undefined}
                >
                  <Stack gap={4} mt={4}>
                    {NOTIFICATION_EVENTS.map((e) => (
                      <Checkbox key={e.value} value={e.value} label={e.label} />
                    ))}
                  </Stack>
                </Checkbox.Group>
                <Group grow align="end">
                  <TextInput
                    label="Key prefix"
                    placeholder="images/"
                    value={r.prefix}
                    onChange={(e) => update(i, { prefix: e.currentTarget.value })}
                  />
                  <TextInput
                    label="Key suffix"
                    placeholder=".jpg"
                    value={r.suffix}
                    onChange={(e) => update(i, { suffix: e.currentTarget.value })}
                  />
                  {!readOnly && (
                    <Button
                      variant="subtle"
                      color="red"
                      onClick={() => write(rows.filter((_, j) => j !== i))}
                      aria-label={`Remove notification ${i + 1}`}
                      style={{ flexGrow: 0 }}
                    >
                      Remove
                    </Button>
                  )}
                </Group>
              </Stack>
            </Fieldset>
          ))}
          {!readOnly && (
            <Button
              variant="light"
              style={{ alignSelf: 'flex-start' }}
              onClick={() =>
                write([
                  ...rows,
                  {
                    id: `notification-${rows.length + 1}`,
                    arn: targets[0]?.arn ?? '',
                    events: ['s3:ObjectCreated:*'],
                    prefix: '',
                    suffix: '',
                  },
                ])
              }
            >
              Add notification
            </Button>
          )}
        </Stack>
      );
    },
  };
}

import {
  Badge,
  Button,
  Code,
  Group,
  JsonInput,
  NumberInput,
  Paper,
  Radio,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { ConfirmModal } from '../../components/ui/confirm-modal.js';
import { ErrorAlert } from '../../components/ui/error-alert.js';
import { notifyDone } from '../../components/ui/notify.js';
import type { TabProps } from '../bucket/tab-props.js';
import { type LifecycleRule, lifecycleXml, useLifecycle, usePutLifecycle } from './hooks.js';

const PRESETS = [
  { value: 'abort-mpu', label: 'Delete incomplete multipart uploads N days after creation' },
  { value: 'expire-current', label: 'Delete current versions N days after upload' },
  { value: 'expire-noncurrent', label: 'Delete previous (noncurrent) versions N days after they are replaced' },
  { value: 'transition', label: 'Move to another storage class N days after upload' },
];

function ruleFrom(preset: string, id: string, prefix: string, days: number, storageClass: string): LifecycleRule {
  const rule: LifecycleRule = { ID: id, Status: 'Enabled', Filter: prefix ? { Prefix: prefix } : {} };
  if (preset === 'abort-mpu') rule.AbortIncompleteMultipartUpload = { DaysAfterInitiation: days };
  if (preset === 'expire-current') rule.Expiration = { Days: days };
  if (preset === 'expire-noncurrent') rule.NoncurrentVersionExpiration = { NoncurrentDays: days };
  if (preset === 'transition') rule.Transition = { Days: days, StorageClass: storageClass };
  return rule;
}

/** A sentence for a rule, as the console's rule list shows it. */
function describe(rule: LifecycleRule): string {
  const r = rule as Record<string, Record<string, unknown> | undefined>;
  const parts: string[] = [];
  if (r.AbortIncompleteMultipartUpload)
    parts.push(
      `delete incomplete multipart uploads ${r.AbortIncompleteMultipartUpload.DaysAfterInitiation} days after creation`,
    );
  if (r.Expiration?.Days) parts.push(`delete current versions ${r.Expiration.Days} days after upload`);
  if (r.Expiration?.ExpiredObjectDeleteMarker) parts.push('remove expired delete markers');
  if (r.NoncurrentVersionExpiration)
    parts.push(`delete noncurrent versions after ${r.NoncurrentVersionExpiration.NoncurrentDays} days`);
  const transitions = [r.Transition].flat().filter(Boolean) as Record<string, unknown>[];
  for (const t of transitions) parts.push(`move to ${t.StorageClass} after ${t.Days} days`);
  return parts.join('; ') || 'no action';
}

function AddRuleForm({ onAdd, existing }: { onAdd: (rule: LifecycleRule) => void; existing: LifecycleRule[] }) {
  const [id, setId] = useState(`rule-${existing.length + 1}`);
  const [scope, setScope] = useState('bucket');
  const [prefix, setPrefix] = useState('');
  const [preset, setPreset] = useState('abort-mpu');
  const [days, setDays] = useState<number | string>(7);
  const [storageClass, setStorageClass] = useState('STANDARD_IA');
  const duplicate = existing.some((r) => r.ID === id) ? 'A rule of this name exists' : undefined;
  return (
    <Paper
      withBorder
      p="md"
      component="form"
      aria-label="Add a rule"
      onSubmit={(e) => {
        e.preventDefault();
        if (duplicate || !id || Number(days) < 1) return;
        onAdd(ruleFrom(preset, id, scope === 'prefix' ? prefix : '', Number(days), storageClass));
      }}
    >
      <Stack>
        <Title order={3} size="h4">
          Add a Rule
        </Title>
        <TextInput
          label="Rule name"
          value={id}
          onChange={(e) => setId(e.currentTarget.value)}
          error={duplicate}
          required
        />
        <Radio.Group label="Applies to" value={scope} onChange={setScope}>
          <Group mt={4}>
            <Radio value="bucket" label="The whole bucket" />
            <Radio value="prefix" label="Objects with a prefix" />
          </Group>
        </Radio.Group>
        {scope === 'prefix' && (
          <TextInput
            label="Prefix"
            placeholder="logs/"
            value={prefix}
            onChange={(e) => setPrefix(e.currentTarget.value)}
            required
          />
        )}
        <Select
          label="Action"
          data={PRESETS}
          value={preset}
          onChange={(v) => setPreset(v ?? 'abort-mpu')}
          allowDeselect={false}
        />
        <NumberInput label="Days" min={1} max={36500} value={days} onChange={setDays} required />
        {preset === 'transition' && (
          <Select
            label="Storage class"
            data={['STANDARD_IA', 'ARCHIVE', 'DEEP_ARCHIVE', 'INTELLIGENT_TIERING']}
            value={storageClass}
            onChange={(v) => setStorageClass(v ?? 'STANDARD_IA')}
            allowDeselect={false}
          />
        )}
        <Text size="sm" c="dimmed" data-testid="rule-preview">
          {describe(ruleFrom(preset, id, scope === 'prefix' ? prefix : '', Number(days), storageClass))}
          {scope === 'prefix' && prefix ? ` (objects under ${prefix})` : ' (the whole bucket)'}
        </Text>
        <Group justify="flex-end">
          <Button type="submit">Save rule</Button>
        </Group>
      </Stack>
    </Paper>
  );
}

/** Lifecycle rules: a form with presets (among them the COS documents' incomplete-upload rule), and the JSON/XML views. */
export function LifecyclePage({ bucket, region, can }: TabProps) {
  const mayWrite = can('PutBucketLifecycle');
  const rules = useLifecycle(bucket, region);
  const put = usePutLifecycle(bucket, region);
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<LifecycleRule | undefined>();
  const [json, setJson] = useState('');
  const list = rules.data ?? [];
  useEffect(() => setJson(JSON.stringify(rules.data ?? [], null, 2)), [rules.data]);
  const save = (next: LifecycleRule[], message: string) =>
    put.mutate(next, {
      onSuccess: () => {
        notifyDone(message);
        setAdding(false);
        setDeleting(undefined);
      },
    });
  return (
    <Stack>
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Rules run once a day: they delete or move objects, versions and incomplete multipart uploads by age.
        </Text>
        {mayWrite && (
          <Button onClick={() => setAdding(!adding)} variant={adding ? 'default' : 'filled'}>
            {adding ? 'Close form' : 'Add a Rule'}
          </Button>
        )}
      </Group>
      {adding && <AddRuleForm existing={list} onAdd={(rule) => save([...list, rule], `Rule ${rule.ID} saved`)} />}
      {put.isError && <ErrorAlert error={put.error} title="The rules were not saved" />}
      {rules.isError && <ErrorAlert error={rules.error} />}
      <Tabs defaultValue="list">
        <Tabs.List>
          <Tabs.Tab value="list">Rules</Tabs.Tab>
          <Tabs.Tab value="json">JSON</Tabs.Tab>
          <Tabs.Tab value="xml">XML</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="list" pt="sm">
          <Table aria-label="Lifecycle rules" data-testid="lifecycle-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Rule</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Applies to</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((rule) => {
                const prefix =
                  (rule.Filter as { Prefix?: string } | undefined)?.Prefix ?? (rule as { Prefix?: string }).Prefix;
                return (
                  <Table.Tr key={rule.ID} data-testid="lifecycle-row">
                    <Table.Td>{rule.ID}</Table.Td>
                    <Table.Td>
                      <Badge color={rule.Status === 'Enabled' ? 'teal.9' : 'gray.7'}>{rule.Status}</Badge>
                    </Table.Td>
                    <Table.Td>{prefix ? <Code>{prefix}</Code> : 'Whole bucket'}</Table.Td>
                    <Table.Td>{describe(rule)}</Table.Td>
                    <Table.Td>
                      {mayWrite && (
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          aria-label={`Delete rule ${rule.ID}`}
                          onClick={() => setDeleting(rule)}
                        >
                          Delete
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
          {!rules.isPending && list.length === 0 && <Text c="dimmed">No lifecycle rules.</Text>}
          {deleting && (
            <ConfirmModal
              title={`Delete rule ${deleting.ID}`}
              confirmLabel="Delete rule"
              pending={put.isPending}
              onClose={() => setDeleting(undefined)}
              onConfirm={() =>
                save(
                  list.filter((r) => r !== deleting),
                  `Rule ${deleting.ID} deleted`,
                )
              }
            >
              <Text>
                Delete the rule <b>{deleting.ID}</b> ({describe(deleting)})? Objects it would have deleted or moved stay
                as they are.
              </Text>
            </ConfirmModal>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="json" pt="sm">
          <Stack>
            <JsonInput
              label="Rules (the SDK's putBucketLifecycle shape)"
              value={json}
              onChange={setJson}
              autosize
              minRows={8}
              validationError="Not valid JSON"
              formatOnBlur
            />
            <Group justify="flex-end" display={mayWrite ? undefined : 'none'}>
              <Button
                onClick={() => {
                  try {
                    save(JSON.parse(json) as LifecycleRule[], 'Rules saved');
                  } catch {
                    // JsonInput already shows the parse error
                  }
                }}
              >
                Save JSON
              </Button>
            </Group>
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="xml" pt="sm">
          <Code block data-testid="lifecycle-xml">
            {lifecycleXml(list)}
          </Code>
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

import {
  Badge,
  Button,
  Card,
  Checkbox,
  Fieldset,
  Group,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { adminFetch, bucketRequest } from '../../api/session.js';
import { ConfigEditor, type ConfigSource } from '../../components/ui/config-editor.js';
import { ErrorAlert } from '../../components/ui/error-alert.js';
import { notifyDone, notifyError } from '../../components/ui/notify.js';
import type { TabProps } from '../bucket/tab-props.js';
import { useBuckets } from '../buckets/hooks.js';
import { prettyXml } from '../settings/sources.js';
import { loggingForm, notificationForm, parseNotifications, renderLogging, renderNotifications } from './forms.js';

function loggingSource(bucket: string): ConfigSource {
  return {
    load: async () => {
      const text = await bucketRequest('GET', bucket, { logging: '' });
      return text.includes('<LoggingEnabled>') ? prettyXml(text) : undefined;
    },
    save: (text) => bucketRequest('PUT', bucket, { logging: '' }, { body: text }),
    // An empty BucketLoggingStatus turns logging off.
    remove: () => bucketRequest('PUT', bucket, { logging: '' }, { body: '<BucketLoggingStatus/>' }),
  };
}

function notificationSource(bucket: string): ConfigSource {
  return {
    load: async () => {
      const text = await bucketRequest('GET', bucket, { notification: '' });
      return (parseNotifications(text)?.length ?? 0) > 0 ? prettyXml(text) : undefined;
    },
    save: (text) => bucketRequest('PUT', bucket, { notification: '' }, { body: text }),
    remove: () => bucketRequest('PUT', bucket, { notification: '' }, { body: '<NotificationConfiguration/>' }),
  };
}

interface Target {
  id: string;
  kind: string;
  arn: string;
}

// ---------------------------------------------------------------- inventory

const FIELDS = ['Size', 'LastModifiedDate', 'ETag', 'StorageClass', 'IsMultipartUploaded', 'ReplicationStatus'];

interface Inventory {
  id: string;
  enabled: boolean;
  destination: string;
  destinationPrefix: string;
  filterPrefix: string;
  frequency: string;
  versions: string;
  fields: string[];
}

function child(el: Element, path: string[]): string {
  let node: Element | undefined = el;
  for (const name of path) node = node ? [...node.children].find((c) => c.tagName === name) : undefined;
  return node?.textContent?.trim() ?? '';
}

function parseInventories(text: string): Inventory[] {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  return [...doc.documentElement.getElementsByTagName('InventoryConfiguration')].map((c) => {
    const dest = [...(c.getElementsByTagName('Destination')[0]?.children ?? [])][0];
    return {
      id: child(c, ['Id']),
      enabled: child(c, ['IsEnabled']) === 'true',
      destination: dest
        ? child(dest, ['Bucket'])
            .replace(/^arn:aws:s3:::/, '')
            .replace(/^qcs::cos:[^:]*::/, '')
        : '',
      destinationPrefix: dest ? child(dest, ['Prefix']) : '',
      filterPrefix: child(c, ['Filter', 'Prefix']),
      frequency: child(c, ['Schedule', 'Frequency']),
      versions: child(c, ['IncludedObjectVersions']),
      fields: [...c.getElementsByTagName('Field')].map((f) => f.textContent?.trim() ?? ''),
    };
  });
}

function renderInventory(i: Inventory): string {
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [
    '<InventoryConfiguration>',
    `<Id>${esc(i.id)}</Id>`,
    `<IsEnabled>${i.enabled}</IsEnabled>`,
    '<Destination><S3BucketDestination>',
    '<Format>CSV</Format>',
    `<Bucket>arn:aws:s3:::${esc(i.destination)}</Bucket>`,
    i.destinationPrefix ? `<Prefix>${esc(i.destinationPrefix)}</Prefix>` : '',
    '</S3BucketDestination></Destination>',
    i.filterPrefix ? `<Filter><Prefix>${esc(i.filterPrefix)}</Prefix></Filter>` : '',
    `<IncludedObjectVersions>${i.versions}</IncludedObjectVersions>`,
    i.fields.length ? `<OptionalFields>${i.fields.map((f) => `<Field>${f}</Field>`).join('')}</OptionalFields>` : '',
    `<Schedule><Frequency>${i.frequency}</Frequency></Schedule>`,
    '</InventoryConfiguration>',
  ].join('');
}

const ID = /^[A-Za-z0-9._-]{1,64}$/;

function InventoryCard({ bucket, buckets, canWrite }: { bucket: string; buckets: string[]; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const queryKey = ['config', bucket, 'inventory'];
  const list = useQuery({
    queryKey,
    queryFn: async () => parseInventories(await bucketRequest('GET', bucket, { inventory: '' })),
  });
  const blank: Inventory = {
    id: '',
    enabled: true,
    destination: bucket,
    destinationPrefix: 'inventory/',
    filterPrefix: '',
    frequency: 'Daily',
    versions: 'Current',
    fields: ['Size', 'LastModifiedDate', 'ETag', 'StorageClass'],
  };
  const [draft, setDraft] = useState<Inventory | undefined>();
  const save = useMutation({
    mutationFn: (i: Inventory) =>
      bucketRequest('PUT', bucket, { inventory: '', id: i.id }, { body: renderInventory(i) }),
    onSuccess: () => {
      notifyDone('Inventory saved');
      setDraft(undefined);
      return queryClient.invalidateQueries({ queryKey });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => bucketRequest('DELETE', bucket, { inventory: '', id }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey }),
    onError: (err) => notifyError('The inventory was not deleted', err),
  });
  const idError =
    draft && !ID.test(draft.id)
      ? '1–64 letters, digits, hyphens, periods and underscores'
      : draft && list.data?.some((i) => i.id === draft.id)
        ? 'An inventory of this bucket already has this name'
        : undefined;
  const items = list.data ?? [];
  return (
    <Card withBorder data-testid="config-inventory">
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={3} size="h5">
            Inventory
          </Title>
          {list.isSuccess && (
            <Badge color={items.length ? 'teal.9' : 'gray.7'}>{items.length ? `${items.length} set` : 'Not set'}</Badge>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          A daily or weekly CSV report of the bucket's objects (or a prefix), written to a bucket you choose.{' '}
          <a href="https://www.tencentcloud.com/document/product/436/30625" target="_blank" rel="noreferrer">
            Documentation
          </a>
        </Text>
        {list.isPending && <Skeleton h={60} />}
        {list.isError && <ErrorAlert error={list.error} title="The inventories could not be read" />}
        {items.length > 0 && (
          <Table.ScrollContainer minWidth={640}>
            <Table aria-label="Inventories" data-testid="inventory-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Objects</Table.Th>
                  <Table.Th>Written to</Table.Th>
                  <Table.Th>Schedule</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((i) => (
                  <Table.Tr key={i.id} data-testid="inventory-row">
                    <Table.Td>{i.id}</Table.Td>
                    <Table.Td>{i.enabled ? 'Enabled' : 'Disabled'}</Table.Td>
                    <Table.Td>
                      {i.filterPrefix ? `${i.filterPrefix}*` : 'Whole bucket'},{' '}
                      {i.versions === 'All' ? 'all versions' : 'current versions'}
                    </Table.Td>
                    <Table.Td style={{ wordBreak: 'break-all' }}>
                      {i.destination}/{i.destinationPrefix}
                    </Table.Td>
                    <Table.Td>{i.frequency}</Table.Td>
                    <Table.Td>
                      {canWrite && (
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          aria-label={`Delete inventory ${i.id}`}
                          loading={remove.isPending && remove.variables === i.id}
                          onClick={() => remove.mutate(i.id)}
                        >
                          Delete
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {draft && (
          <Fieldset legend="New inventory" data-testid="inventory-form">
            <Stack gap="xs">
              <Group grow align="start">
                <TextInput
                  label="Name"
                  value={draft.id}
                  onChange={(e) => setDraft({ ...draft, id: e.currentTarget.value })}
                  error={draft.id ? idError : undefined}
                  data-autofocus
                />
                <Select
                  label="Frequency"
                  data={['Daily', 'Weekly']}
                  value={draft.frequency}
                  onChange={(v) => setDraft({ ...draft, frequency: v ?? 'Daily' })}
                  allowDeselect={false}
                />
                <Select
                  label="Versions"
                  data={[
                    { value: 'Current', label: 'Current versions only' },
                    { value: 'All', label: 'All versions' },
                  ]}
                  value={draft.versions}
                  onChange={(v) => setDraft({ ...draft, versions: v ?? 'Current' })}
                  allowDeselect={false}
                />
              </Group>
              <Group grow align="start">
                <TextInput
                  label="Only keys starting with"
                  placeholder="(the whole bucket)"
                  value={draft.filterPrefix}
                  onChange={(e) => setDraft({ ...draft, filterPrefix: e.currentTarget.value })}
                />
                <Select
                  label="Destination bucket"
                  data={[...new Set([...buckets, bucket])]}
                  value={draft.destination}
                  onChange={(v) => setDraft({ ...draft, destination: v ?? bucket })}
                  searchable
                  allowDeselect={false}
                />
                <TextInput
                  label="Destination prefix"
                  value={draft.destinationPrefix}
                  onChange={(e) => setDraft({ ...draft, destinationPrefix: e.currentTarget.value })}
                />
              </Group>
              <Checkbox.Group label="Columns" value={draft.fields} onChange={(v) => setDraft({ ...draft, fields: v })}>
                <Group mt={4}>
                  {FIELDS.map((f) => (
                    <Checkbox key={f} value={f} label={f} />
                  ))}
                </Group>
              </Checkbox.Group>
              {save.isError && <ErrorAlert error={save.error} title="The inventory was not saved" />}
              <Group justify="flex-end" gap="xs">
                <Button variant="default" onClick={() => setDraft(undefined)}>
                  Cancel
                </Button>
                <Button loading={save.isPending} disabled={idError !== undefined} onClick={() => save.mutate(draft)}>
                  Save inventory
                </Button>
              </Group>
            </Stack>
          </Fieldset>
        )}
        {canWrite && !draft && list.isSuccess && (
          <Button variant="light" style={{ alignSelf: 'flex-start' }} onClick={() => setDraft(blank)}>
            Add inventory
          </Button>
        )}
      </Stack>
    </Card>
  );
}

/** Logging, inventory and notifications: where a bucket's access logs, reports and events go. */
export function LoggingPage({ bucket, can }: TabProps) {
  const buckets = useBuckets();
  const names = (buckets.data ?? []).map((b) => b.Name);
  const targets = useQuery({
    queryKey: ['notification-targets'],
    queryFn: async () => (await adminFetch<{ targets: Target[] }>('GET', '/-/notification-targets')).targets,
    staleTime: 300_000,
  });
  const targetList = targets.data ?? [];
  return (
    <Stack>
      {can('GetBucketLogging') && (
        <ConfigEditor
          bucket={bucket}
          name="logging"
          title="Access logging"
          noun="logging"
          format="xml"
          docUrl="https://www.tencentcloud.com/document/product/436/17054"
          description="Writes a log file of this bucket's requests (who, what, when, status, bytes) into a bucket, every few minutes."
          template={renderLogging({ targetBucket: bucket, targetPrefix: 'logs/' })}
          source={loggingSource(bucket)}
          form={loggingForm(names)}
          canWrite={can('PutBucketLogging')}
        />
      )}
      {can('ListBucketInventoryConfigurations') && (
        <InventoryCard bucket={bucket} buckets={names} canWrite={can('PutBucketInventoryConfiguration')} />
      )}
      {can('GetBucketNotification') && targets.isSuccess && (
        <ConfigEditor
          bucket={bucket}
          name="notification"
          title="Event notifications"
          noun="notifications"
          format="xml"
          docUrl="https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventNotifications.html"
          description="Sends an event to one of the server's targets (webhook, Redis, NATS, AMQP, MQTT) when objects are created, removed or restored."
          template={renderNotifications([
            {
              id: 'notification-1',
              arn: targetList[0]?.arn ?? '',
              events: ['s3:ObjectCreated:*'],
              prefix: '',
              suffix: '',
            },
          ])}
          source={notificationSource(bucket)}
          form={notificationForm(targetList)}
          canWrite={can('PutBucketNotification')}
        />
      )}
      {targets.isError && <ErrorAlert error={targets.error} title="The notification targets could not be read" />}
    </Stack>
  );
}

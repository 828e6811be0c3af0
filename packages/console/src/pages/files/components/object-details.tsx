import {
  ActionIcon,
  Button,
  Group,
  Modal,
  NumberInput,
  Radio,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useCan } from '../../../api/permissions.js';
import { bucketXml, cos } from '../../../api/session.js';
import { ErrorAlert } from '../../../components/ui/error-alert.js';
import { formatBytes } from '../../../components/ui/format.js';
import { notifyDone } from '../../../components/ui/notify.js';
import { copySource, type FileEntry, type ObjectModalProps, useInvalidateObjects, useObjectHead } from '../hooks.js';

const STORAGE_CLASSES = ['STANDARD', 'STANDARD_IA', 'INTELLIGENT_TIERING', 'ARCHIVE', 'DEEP_ARCHIVE'];
const ARCHIVED = new Set(['ARCHIVE', 'DEEP_ARCHIVE']);
const SHOWN_HEADERS =
  /^(content-type|x-cos-hash-crc64ecma|x-cos-version-id|x-cos-storage-tier|x-cos-restore|x-cos-meta-|cache-control|content-disposition)/;

interface Pair {
  name: string;
  value: string;
}

function PairsEditor({
  pairs,
  onChange,
  nameLabel,
  valueLabel,
  addLabel,
}: {
  pairs: Pair[];
  onChange: (pairs: Pair[]) => void;
  nameLabel: string;
  valueLabel: string;
  addLabel: string;
}) {
  const set = (i: number, patch: Partial<Pair>) => onChange(pairs.map((p, j) => (j === i ? { ...p, ...patch } : p)));
  return (
    <Stack gap="xs">
      {pairs.map((p, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place, by position
        <Group key={i} gap="xs" align="end" wrap="nowrap">
          <TextInput
            label={`${nameLabel} ${i + 1}`}
            value={p.name}
            onChange={(e) => set(i, { name: e.currentTarget.value })}
            style={{ flex: 1 }}
          />
          <TextInput
            label={`${valueLabel} ${i + 1}`}
            value={p.value}
            onChange={(e) => set(i, { value: e.currentTarget.value })}
            style={{ flex: 1 }}
          />
          <ActionIcon
            variant="default"
            size="lg"
            aria-label={`Remove ${nameLabel.toLowerCase()} ${i + 1}`}
            onClick={() => onChange(pairs.filter((_, j) => j !== i))}
          >
            ×
          </ActionIcon>
        </Group>
      ))}
      <Group>
        <Button variant="light" size="xs" onClick={() => onChange([...pairs, { name: '', value: '' }])}>
          {addLabel}
        </Button>
      </Group>
    </Stack>
  );
}

/** What the tabs that change the object are given: its HEAD headers, and what to refresh after a change. */
interface ObjectTabProps {
  bucket: string;
  region: string;
  file: FileEntry;
  headers: Record<string, string>;
  onSaved: () => void;
}

/** The object's own facts, as HEAD Object reports them. */
function FactsTab({ file, headers }: { file: FileEntry; headers: Record<string, string> }) {
  const rows: [string, string][] = [
    ['Key', file.key],
    ['Size', `${formatBytes(file.size)} (${file.size.toLocaleString()} bytes)`],
    ['ETag', file.etag],
    ['Storage class', headers['x-cos-storage-class'] ?? file.storageClass],
    ['Last modified', file.lastModified],
    ...Object.entries(headers)
      .filter(([k]) => SHOWN_HEADERS.test(k))
      .map(([k, v]): [string, string] => [k, v]),
  ];
  return (
    <Table>
      <Table.Tbody>
        {rows.map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th scope="row" w={180}>
              {k}
            </Table.Th>
            <Table.Td style={{ wordBreak: 'break-all' }}>{v}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/**
 * Content-Type, Cache-Control and `x-cos-meta-*`: COS changes an object's metadata by copying it onto
 * itself with `x-cos-metadata-directive: Replaced` (PUT Object - Copy), which is what Save does.
 */
function MetadataTab({ bucket, region, file, headers, onSaved }: ObjectTabProps) {
  const [contentType, setContentType] = useState(headers['content-type'] ?? '');
  const [cacheControl, setCacheControl] = useState(headers['cache-control'] ?? '');
  const [meta, setMeta] = useState<Pair[]>(
    Object.entries(headers)
      .filter(([k]) => k.startsWith('x-cos-meta-'))
      .map(([k, v]) => ({ name: k.slice('x-cos-meta-'.length), value: v })),
  );
  const save = useMutation({
    mutationFn: () =>
      cos().putObjectCopy({
        Bucket: bucket,
        Region: region,
        Key: file.key,
        CopySource: copySource(bucket, region, file.key),
        MetadataDirective: 'Replaced',
        StorageClass: headers['x-cos-storage-class'] ?? file.storageClass,
        ...(contentType ? { ContentType: contentType } : {}),
        ...(cacheControl ? { CacheControl: cacheControl } : {}),
        ...Object.fromEntries(meta.filter((m) => m.name).map((m) => [`x-cos-meta-${m.name.toLowerCase()}`, m.value])),
      }),
    onSuccess: () => {
      notifyDone('Metadata saved');
      onSaved();
    },
  });
  return (
    <Stack>
      <TextInput label="Content-Type" value={contentType} onChange={(e) => setContentType(e.currentTarget.value)} />
      <TextInput label="Cache-Control" value={cacheControl} onChange={(e) => setCacheControl(e.currentTarget.value)} />
      <Text size="sm" fw={500}>
        Custom metadata (x-cos-meta-*)
      </Text>
      <PairsEditor pairs={meta} onChange={setMeta} nameLabel="Name" valueLabel="Value" addLabel="Add metadata" />
      {save.isError && <ErrorAlert error={save.error} title="The metadata was not saved" />}
      <Group justify="flex-end">
        <Button loading={save.isPending} onClick={() => save.mutate()}>
          Save metadata
        </Button>
      </Group>
    </Stack>
  );
}

/** Storage class: copied onto itself in the new class; an archived object is restored for N days first. */
function StorageClassTab({ bucket, region, file, headers, onSaved }: ObjectTabProps) {
  const current = headers['x-cos-storage-class'] ?? file.storageClass;
  const [target, setTarget] = useState<string | null>(current);
  const [days, setDays] = useState<string | number>(1);
  const [tier, setTier] = useState('Standard');
  const change = useMutation({
    mutationFn: () =>
      cos().putObjectCopy({
        Bucket: bucket,
        Region: region,
        Key: file.key,
        CopySource: copySource(bucket, region, file.key),
        StorageClass: target ?? 'STANDARD',
      }),
    onSuccess: () => {
      notifyDone(`Storage class changed to ${target}`);
      onSaved();
    },
  });
  const restore = useMutation({
    mutationFn: () =>
      cos().restoreObject({
        Bucket: bucket,
        Region: region,
        Key: file.key,
        RestoreRequest: { Days: Number(days), CASJobParameters: { Tier: tier } },
      }),
    onSuccess: () => {
      notifyDone('Restore requested');
      onSaved();
    },
  });
  const archived = ARCHIVED.has(current);
  return (
    <Stack>
      <Text size="sm">
        Now: <b data-testid="current-storage-class">{current}</b>
        {headers['x-cos-restore'] ? ` (restore: ${headers['x-cos-restore']})` : ''}
      </Text>
      {archived ? (
        <Stack gap="xs" data-testid="restore-form">
          <Text size="sm" c="dimmed">
            An archived object must be restored before it can be read or copied: a temporary copy is made readable for
            the days you choose (POST Object restore).
          </Text>
          <Group align="end">
            <NumberInput label="Days readable" min={1} max={365} value={days} onChange={setDays} w={140} />
            <Radio.Group label="Retrieval tier" value={tier} onChange={setTier}>
              <Group mt={6}>
                <Radio value="Expedited" label="Expedited" />
                <Radio value="Standard" label="Standard" />
                <Radio value="Bulk" label="Bulk" />
              </Group>
            </Radio.Group>
          </Group>
          {restore.isError && <ErrorAlert error={restore.error} title="The restore was refused" />}
          <Group justify="flex-end">
            <Button loading={restore.isPending} onClick={() => restore.mutate()}>
              Restore
            </Button>
          </Group>
        </Stack>
      ) : null}
      <Select
        label="New storage class"
        data={STORAGE_CLASSES}
        value={target}
        onChange={setTarget}
        allowDeselect={false}
      />
      {change.isError && <ErrorAlert error={change.error} title="The storage class was not changed" />}
      <Group justify="flex-end">
        <Button loading={change.isPending} disabled={target === current} onClick={() => change.mutate()}>
          Change storage class
        </Button>
      </Group>
    </Stack>
  );
}

const OBJECT_ACLS = [
  { value: 'default', label: 'Inherit the bucket ACL' },
  { value: 'private', label: 'Private' },
  { value: 'public-read', label: 'Public Read' },
];

function AclTab({
  bucket,
  region,
  file,
  canWrite,
}: {
  bucket: string;
  region: string;
  file: FileEntry;
  canWrite: boolean;
}) {
  const [value, setValue] = useState('default');
  const [loaded, setLoaded] = useState(false);
  const [loadError, setLoadError] = useState<unknown>();
  useEffect(() => {
    cos()
      .getObjectAcl({ Bucket: bucket, Region: region, Key: file.key })
      .then((acl) => {
        setValue(acl.ACL || 'default');
        setLoaded(true);
      }, setLoadError);
  }, [bucket, region, file.key]);
  const save = useMutation({
    mutationFn: () => cos().putObjectAcl({ Bucket: bucket, Region: region, Key: file.key, ACL: value }),
    onSuccess: () => notifyDone('Object ACL saved'),
  });
  return (
    <Stack>
      {loadError !== undefined && <ErrorAlert error={loadError} title="The ACL could not be read" />}
      <Radio.Group label="Who may read this object" value={value} onChange={setValue} name="object-acl">
        <Stack gap={6} mt={6}>
          {OBJECT_ACLS.map((a) => (
            <Radio key={a.value} value={a.value} label={a.label} />
          ))}
        </Stack>
      </Radio.Group>
      {save.isError && <ErrorAlert error={save.error} title="The ACL was not saved" />}
      <Group justify="flex-end">
        <Button
          loading={save.isPending}
          disabled={!loaded}
          onClick={() => save.mutate()}
          display={canWrite ? undefined : 'none'}
        >
          Save ACL
        </Button>
      </Group>
    </Stack>
  );
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Object tags (PUT/GET/DELETE Object ?tagging), up to 10 per object. */
function TagsTab({ bucket, file, canWrite }: { bucket: string; file: FileEntry; canWrite: boolean }) {
  const [tags, setTags] = useState<Pair[] | undefined>();
  const [loadError, setLoadError] = useState<unknown>();
  useEffect(() => {
    bucketXml('GET', bucket, 'tagging', undefined, file.key).then((xml) => {
      const doc = new DOMParser().parseFromString(xml, 'application/xml');
      setTags(
        [...doc.getElementsByTagName('Tag')].map((t) => ({
          name: t.getElementsByTagName('Key')[0]?.textContent ?? '',
          value: t.getElementsByTagName('Value')[0]?.textContent ?? '',
        })),
      );
    }, setLoadError);
  }, [bucket, file.key]);
  const save = useMutation({
    mutationFn: () => {
      const set = (tags ?? []).filter((t) => t.name);
      if (set.length === 0) return bucketXml('DELETE', bucket, 'tagging', undefined, file.key);
      const body = `<Tagging><TagSet>${set
        .map((t) => `<Tag><Key>${escapeXml(t.name)}</Key><Value>${escapeXml(t.value)}</Value></Tag>`)
        .join('')}</TagSet></Tagging>`;
      return bucketXml('PUT', bucket, 'tagging', body, file.key);
    },
    onSuccess: () => notifyDone('Tags saved'),
  });
  return (
    <Stack>
      {loadError !== undefined && <ErrorAlert error={loadError} title="The tags could not be read" />}
      {tags && (
        <PairsEditor pairs={tags} onChange={setTags} nameLabel="Tag key" valueLabel="Tag value" addLabel="Add tag" />
      )}
      {save.isError && <ErrorAlert error={save.error} title="The tags were not saved" />}
      <Group justify="flex-end">
        <Button
          loading={save.isPending}
          disabled={!tags}
          onClick={() => save.mutate()}
          display={canWrite ? undefined : 'none'}
        >
          Save tags
        </Button>
      </Group>
    </Stack>
  );
}

/** Object details: its facts, and the metadata, storage class, ACL and tags it can be given. */
export function DetailsModal({ bucket, region, file, onClose }: ObjectModalProps) {
  const head = useObjectHead(bucket, region, file.key);
  const queryClient = useQueryClient();
  const invalidateObjects = useInvalidateObjects(bucket);
  const headers = (head.data?.headers ?? {}) as Record<string, string>;
  // Offered as the caller's policies allow (GET /-/whoami, decided in the object's folder).
  const { can } = useCan(bucket, file.key.slice(0, file.key.lastIndexOf('/') + 1));
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['head', bucket, file.key] });
    void invalidateObjects();
  };
  return (
    <Modal opened onClose={onClose} title={`Object details: ${file.name}`} size="lg">
      {head.isError && <ErrorAlert error={head.error} />}
      <Tabs defaultValue="details" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="details">Details</Tabs.Tab>
          {can('PutObject') && (
            <>
              <Tabs.Tab value="metadata" disabled={!head.isSuccess}>
                Metadata
              </Tabs.Tab>
              <Tabs.Tab value="class" disabled={!head.isSuccess}>
                Storage class
              </Tabs.Tab>
            </>
          )}
          {can('GetObjectAcl') && <Tabs.Tab value="acl">ACL</Tabs.Tab>}
          {can('GetObjectTagging') && <Tabs.Tab value="tags">Tags</Tabs.Tab>}
        </Tabs.List>
        <Tabs.Panel value="details" pt="sm">
          <FactsTab file={file} headers={headers} />
        </Tabs.Panel>
        <Tabs.Panel value="metadata" pt="sm">
          <MetadataTab bucket={bucket} region={region} file={file} headers={headers} onSaved={refresh} />
        </Tabs.Panel>
        <Tabs.Panel value="class" pt="sm">
          <StorageClassTab
            key={headers['x-cos-storage-class'] ?? file.storageClass}
            bucket={bucket}
            region={region}
            file={file}
            headers={headers}
            onSaved={refresh}
          />
        </Tabs.Panel>
        <Tabs.Panel value="acl" pt="sm">
          <AclTab bucket={bucket} region={region} file={file} canWrite={can('PutObjectAcl')} />
        </Tabs.Panel>
        <Tabs.Panel value="tags" pt="sm">
          <TagsTab bucket={bucket} file={file} canWrite={can('PutObjectTagging')} />
        </Tabs.Panel>
      </Tabs>
    </Modal>
  );
}

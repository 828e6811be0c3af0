import { Alert, Badge, Button, Group, Menu, Stack, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { ErrorAlert } from '../../components/ui/error-alert.js';
import { formatBytes, formatDate } from '../../components/ui/format.js';
import { notifyDone, notifyError } from '../../components/ui/notify.js';
import type { TabProps } from '../bucket/tab-props.js';
import { shareUrl } from '../files/hooks.js';
import {
  useDeleteVersion,
  useRestoreVersion,
  useSetVersioning,
  useVersioning,
  useVersionPage,
  type VersionRow,
} from './hooks.js';

/** Versioning: turn it on or suspend it; every version of a key or folder; restore, undelete, delete for good. */
export function VersionsPage({ bucket, region, can }: TabProps) {
  const status = useVersioning(bucket, region);
  const setStatus = useSetVersioning(bucket, region);
  const [prefix, setPrefix] = useState('');
  const [markers, setMarkers] = useState<({ key: string; versionId: string } | undefined)[]>([undefined]);
  const page = useVersionPage(bucket, region, prefix, markers.at(-1));
  const restore = useRestoreVersion(bucket, region);
  const remove = useDeleteVersion(bucket, region);
  const act = (label: string, mutation: typeof restore, v: VersionRow) =>
    mutation.mutate(v, { onSuccess: () => notifyDone(label), onError: (err) => notifyError(`${label}: failed`, err) });
  return (
    <Stack>
      <Group justify="space-between">
        <Group gap="xs">
          <Text>Versioning:</Text>
          <Badge
            data-testid="versioning-status"
            color={status.data === 'Enabled' ? 'teal.9' : status.data === 'Suspended' ? 'yellow' : 'gray.7'}
          >
            {status.data ?? '…'}
          </Badge>
        </Group>
        {!can('PutBucketVersioning') ? null : status.data === 'Enabled' ? (
          <Button variant="default" loading={setStatus.isPending} onClick={() => setStatus.mutate('Suspended')}>
            Suspend versioning
          </Button>
        ) : (
          <Button loading={setStatus.isPending} onClick={() => setStatus.mutate('Enabled')}>
            Enable versioning
          </Button>
        )}
      </Group>
      {setStatus.isError && <ErrorAlert error={setStatus.error} />}
      <Alert variant="light" color="blue">
        With versioning on, an overwritten or deleted file keeps its earlier versions: restore one by copying it over
        the current one, or undelete a file by removing its delete marker.
      </Alert>
      <TextInput
        label="Key or folder"
        placeholder="photos/ or photos/cat.jpg"
        value={prefix}
        onChange={(e) => {
          setPrefix(e.currentTarget.value);
          setMarkers([undefined]);
        }}
      />
      {page.isError && <ErrorAlert error={page.error} />}
      <Table.ScrollContainer minWidth={760}>
        <Table striped aria-label="Versions" data-testid="versions-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Key</Table.Th>
              <Table.Th>Version ID</Table.Th>
              <Table.Th>Size</Table.Th>
              <Table.Th>Last modified</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {page.data?.rows.map((v) => (
              <Table.Tr
                key={`${v.key}\n${v.versionId}`}
                data-testid="version-row"
                data-key={v.key}
                data-latest={v.isLatest}
                data-marker={v.deleteMarker}
              >
                <Table.Td style={{ wordBreak: 'break-all' }}>
                  {v.key} {v.isLatest && <Badge size="xs">latest</Badge>}{' '}
                  {v.deleteMarker && (
                    <Badge size="xs" color="red.9">
                      delete marker
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="xs" ff="monospace">
                    {v.versionId}
                  </Text>
                </Table.Td>
                <Table.Td>{v.deleteMarker ? '—' : formatBytes(v.size)}</Table.Td>
                <Table.Td>{formatDate(v.lastModified)}</Table.Td>
                <Table.Td>
                  <Menu position="bottom-end">
                    <Menu.Target>
                      <Button size="xs" variant="subtle" aria-label={`Actions for ${v.key} version ${v.versionId}`}>
                        ⋯
                      </Button>
                    </Menu.Target>
                    <Menu.Dropdown>
                      {v.deleteMarker && v.isLatest && can('DeleteObject') && (
                        <Menu.Item onClick={() => act(`Undeleted ${v.key}`, remove, v)}>Undelete</Menu.Item>
                      )}
                      {!v.deleteMarker && !v.isLatest && can('PutObject') && (
                        <Menu.Item onClick={() => act(`Restored ${v.key}`, restore, v)}>Restore this version</Menu.Item>
                      )}
                      {!v.deleteMarker && (
                        <Menu.Item component="a" href={cosVersionUrl(bucket, region, v)}>
                          Download
                        </Menu.Item>
                      )}
                      {can('DeleteObject') && (
                        <Menu.Item color="red" onClick={() => act(`Deleted version ${v.versionId}`, remove, v)}>
                          Delete permanently
                        </Menu.Item>
                      )}
                    </Menu.Dropdown>
                  </Menu>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {page.data?.rows.length === 0 && <Text c="dimmed">No versions under this prefix.</Text>}
      <Group justify="flex-end">
        <Button
          size="xs"
          variant="default"
          disabled={markers.length === 1}
          onClick={() => setMarkers(markers.slice(0, -1))}
        >
          Previous page
        </Button>
        <Button
          size="xs"
          variant="default"
          disabled={!page.data?.next}
          onClick={() => setMarkers([...markers, page.data?.next])}
        >
          Next page
        </Button>
      </Group>
    </Stack>
  );
}

function cosVersionUrl(bucket: string, region: string, v: VersionRow): string {
  return shareUrl(bucket, region, v.key, 900, true, v.versionId);
}

import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  Progress,
  Skeleton,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { ConfirmModal } from '../../components/ui/confirm-modal.js';
import { ErrorAlert } from '../../components/ui/error-alert.js';
import { formatBytes, formatDate } from '../../components/ui/format.js';
import { notifyDone, notifyError } from '../../components/ui/notify.js';
import type { TabProps } from '../bucket/tab-props.js';
import {
  type RecycledEntry,
  usePurgeRecycled,
  useRecycled,
  useRecycleSetting,
  useRestoreRecycled,
  useSaveRecycleSetting,
} from './hooks.js';

/** The bin's setting: on with N days of retention, or off. */
function SettingCard({ bucket, canRead, canWrite }: { bucket: string; canRead: boolean; canWrite: boolean }) {
  const setting = useRecycleSetting(bucket, canRead);
  const save = useSaveRecycleSetting(bucket);
  const [on, setOn] = useState(false);
  const [days, setDays] = useState<number | string>(7);
  useEffect(() => {
    if (setting.data === undefined) return;
    setOn(setting.data !== null);
    if (setting.data !== null) setDays(setting.data);
  }, [setting.data]);
  const daysValid = typeof days === 'number' && Number.isInteger(days) && days >= 1 && days <= 3650;
  if (!canRead) return null;
  return (
    <Card withBorder data-testid="recycle-setting">
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={3} size="h5">
            Recycle bin
          </Title>
          {setting.isSuccess && (
            <Badge color={setting.data === null ? 'gray.7' : 'teal.9'}>
              {setting.data === null ? 'Off' : `On, ${setting.data} days`}
            </Badge>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          Keeps what deletes, overwrites and lifecycle expirations remove, for a number of days, without versioning;
          restore an entry to its key or purge it now. What the bin holds counts in the bucket's usage.
        </Text>
        {setting.isPending && <Skeleton h={60} />}
        {setting.isError && <ErrorAlert error={setting.error} title="The setting could not be read" />}
        {setting.isSuccess && (
          <Group align="end">
            <Switch
              label="Keep removed objects"
              checked={on}
              disabled={!canWrite}
              onChange={(e) => setOn(e.currentTarget.checked)}
            />
            {on && (
              <NumberInput
                label="Days kept"
                min={1}
                max={3650}
                allowDecimal={false}
                value={days}
                onChange={setDays}
                disabled={!canWrite}
                error={daysValid ? undefined : 'A whole number of days from 1 to 3,650'}
                w={160}
              />
            )}
            {canWrite && (
              <Button
                loading={save.isPending}
                disabled={on && !daysValid}
                onClick={() =>
                  save.mutate(on ? Number(days) : null, {
                    onSuccess: () => notifyDone(on ? 'Recycle bin on' : 'Recycle bin off'),
                  })
                }
              >
                Save recycle bin
              </Button>
            )}
          </Group>
        )}
        {save.isError && <ErrorAlert error={save.error} title="The recycle bin setting was not saved" />}
      </Stack>
    </Card>
  );
}

/**
 * Coffer's recycle bin (docs/recycle-bin.md): what was removed, by whom and when it will be purged;
 * Restore puts an entry back at its key (or another), Purge removes it for good now.
 */
export function RecyclePage({ bucket, can }: TabProps) {
  const [prefix, setPrefix] = useState('');
  const [markers, setMarkers] = useState<(string | undefined)[]>([undefined]);
  const mayList = can('ListRecycled');
  const page = useRecycled(bucket, prefix, markers.at(-1), mayList);
  const restore = useRestoreRecycled(bucket);
  const purge = usePurgeRecycled(bucket);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [confirming, setConfirming] = useState<RecycledEntry[] | undefined>();
  const [purged, setPurged] = useState(0);
  const [restoringAs, setRestoringAs] = useState<{ entry: RecycledEntry; key: string } | undefined>();
  const entries = page.data?.entries ?? [];
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new search starts from the first page
  useEffect(() => {
    setMarkers([undefined]);
    setSelected(new Set());
  }, [prefix]);
  const toggle = (id: number, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };
  const chosen = entries.filter((e) => selected.has(e.id));
  const mayRestore = can('RestoreRecycled');
  const mayPurge = can('PurgeRecycled');
  return (
    <Stack>
      <SettingCard bucket={bucket} canRead={can('GetBucketRecycle')} canWrite={can('PutBucketRecycle')} />
      {mayList ? (
        <>
          <Group justify="space-between">
            <TextInput
              aria-label="Search the bin by key prefix"
              placeholder="Key starts with…"
              value={prefix}
              onChange={(e) => setPrefix(e.currentTarget.value)}
              w={260}
            />
            {mayPurge && (
              <Button color="red" variant="light" disabled={chosen.length === 0} onClick={() => setConfirming(chosen)}>
                Purge selected ({chosen.length})
              </Button>
            )}
          </Group>
          {page.isError && <ErrorAlert error={page.error} title="The recycle bin could not be listed" />}
          <Table.ScrollContainer minWidth={1000}>
            <Table striped aria-label="Recycle bin" data-testid="recycle-table" aria-busy={page.isFetching}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={40}>
                    <Checkbox
                      aria-label="Select every entry on this page"
                      checked={entries.length > 0 && chosen.length === entries.length}
                      indeterminate={chosen.length > 0 && chosen.length < entries.length}
                      onChange={(e) =>
                        setSelected(e.currentTarget.checked ? new Set(entries.map((x) => x.id)) : new Set())
                      }
                    />
                  </Table.Th>
                  <Table.Th miw={180}>Key</Table.Th>
                  <Table.Th>Size</Table.Th>
                  <Table.Th>Deleted</Table.Th>
                  <Table.Th w={200}>Deleted by</Table.Th>
                  <Table.Th>Purged after</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {page.isPending &&
                  [0, 1, 2].map((i) => (
                    <Table.Tr key={i}>
                      {Array.from({ length: 7 }, (_, j) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders
                        <Table.Td key={j}>
                          <Skeleton h={14} />
                        </Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                {entries.map((e) => (
                  <Table.Tr key={e.id} data-testid="recycle-row" data-key={e.key}>
                    <Table.Td>
                      <Checkbox
                        aria-label={`Select ${e.key} (entry ${e.id})`}
                        checked={selected.has(e.id)}
                        onChange={(ev) => toggle(e.id, ev.currentTarget.checked)}
                      />
                    </Table.Td>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{e.key}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatBytes(e.size)}</Table.Td>
                    <Table.Td>{formatDate(e.deletedAt)}</Table.Td>
                    <Table.Td>
                      <Text size="xs" style={{ wordBreak: 'break-all' }}>
                        {e.deletedBy === 'coffer:lifecycle' ? 'Lifecycle rule' : e.deletedBy}
                      </Text>
                    </Table.Td>
                    <Table.Td>{formatDate(e.purgeAt)}</Table.Td>
                    <Table.Td>
                      <Group gap={0} wrap="nowrap">
                        {mayRestore && (
                          <>
                            <Button
                              size="xs"
                              variant="subtle"
                              aria-label={`Restore ${e.key} (entry ${e.id})`}
                              loading={restore.isPending && restore.variables?.entry.id === e.id}
                              onClick={() =>
                                restore.mutate(
                                  { entry: e },
                                  {
                                    onSuccess: () => notifyDone(`${e.key} restored`),
                                    onError: (err) => notifyError(`${e.key} was not restored`, err),
                                  },
                                )
                              }
                            >
                              Restore
                            </Button>
                            <Button
                              size="xs"
                              variant="subtle"
                              aria-label={`Restore as… (${e.key}, entry ${e.id})`}
                              onClick={() => setRestoringAs({ entry: e, key: e.key })}
                            >
                              Restore as…
                            </Button>
                          </>
                        )}
                        {mayPurge && (
                          <Button
                            size="xs"
                            variant="subtle"
                            color="red"
                            aria-label={`Purge ${e.key} (entry ${e.id})`}
                            onClick={() => setConfirming([e])}
                          >
                            Purge
                          </Button>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {page.isSuccess && entries.length === 0 && (
            <Text c="dimmed" ta="center" data-testid="recycle-empty">
              {prefix ? 'Nothing in the bin starts with that.' : 'The recycle bin is empty.'}
            </Text>
          )}
          <Group justify="flex-end" gap="xs">
            <Button
              variant="default"
              size="xs"
              disabled={markers.length === 1}
              onClick={() => setMarkers(markers.slice(0, -1))}
            >
              Previous page
            </Button>
            <Button
              variant="default"
              size="xs"
              disabled={!page.data?.nextMarker || page.isPlaceholderData}
              onClick={() => setMarkers([...markers, page.data?.nextMarker])}
            >
              Next page
            </Button>
          </Group>
        </>
      ) : (
        <Alert color="gray" title="You may not list the recycle bin">
          Your policies do not allow ListRecycled on this bucket.
        </Alert>
      )}
      <ConfirmModal
        opened={confirming !== undefined}
        title="Purge from the recycle bin"
        confirmLabel="Purge"
        pending={purge.isPending}
        error={purge.error}
        onClose={() => setConfirming(undefined)}
        onConfirm={() => {
          const list = confirming ?? [];
          setPurged(0);
          purge.mutate(
            { entries: list, onProgress: setPurged },
            {
              onSuccess: () => {
                notifyDone(`${list.length} entr${list.length === 1 ? 'y' : 'ies'} purged`);
                setSelected(new Set());
                setConfirming(undefined);
              },
            },
          );
        }}
      >
        <Text data-testid="purge-summary">
          {confirming?.length === 1
            ? `This removes ${confirming[0]!.key} (${formatBytes(confirming[0]!.size)}) from the bin for good.`
            : `This removes ${confirming?.length ?? 0} entries (${formatBytes(
                (confirming ?? []).reduce((n, e) => n + e.size, 0),
              )}) from the bin for good.`}{' '}
          They cannot be restored afterwards.
        </Text>
        {purge.isPending && (
          <Progress value={(purged / Math.max(1, confirming?.length ?? 1)) * 100} aria-label="Purge progress" />
        )}
      </ConfirmModal>
      <ConfirmModal
        opened={restoringAs !== undefined}
        title="Restore as another key"
        confirmLabel="Restore"
        pending={restore.isPending}
        error={restore.error}
        onClose={() => setRestoringAs(undefined)}
        onConfirm={() =>
          restoringAs &&
          restore.mutate(
            { entry: restoringAs.entry, toKey: restoringAs.key },
            {
              onSuccess: () => {
                notifyDone(`Restored as ${restoringAs.key}`);
                setRestoringAs(undefined);
              },
            },
          )
        }
      >
        <TextInput
          label="Restore to key"
          description="Whatever is at that key now is replaced (and goes to the bin in turn)."
          value={restoringAs?.key ?? ''}
          onChange={(e) => restoringAs && setRestoringAs({ ...restoringAs, key: e.currentTarget.value })}
          data-autofocus
        />
      </ConfirmModal>
    </Stack>
  );
}

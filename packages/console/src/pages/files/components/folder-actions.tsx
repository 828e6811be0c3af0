import { Alert, Button, Group, Loader, Modal, Progress, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { toApiError } from '../../../api/errors.js';
import { type FolderStats, fetchFolderStats } from '../../../api/usage-source.js';
import { ErrorAlert } from '../../../components/ui/error-alert.js';
import { formatBytes } from '../../../components/ui/format.js';
import { notifyDone } from '../../../components/ui/notify.js';
import {
  type Progress as Done,
  deletePrefix,
  type FolderModalProps,
  movePrefix,
  useCreateFolder,
  useInvalidateObjects,
} from '../hooks.js';

/** Counts a folder's objects and bytes as pages arrive; stops when the modal closes. */
function useFolderStats(bucket: string, region: string, prefix: string) {
  const [stats, setStats] = useState<FolderStats>({ objects: 0, bytes: 0, done: false });
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const controller = new AbortController();
    fetchFolderStats(bucket, region, prefix, setStats, controller.signal).catch((err) => {
      if (!controller.signal.aborted) setError(err);
    });
    return () => controller.abort();
  }, [bucket, region, prefix]);
  return { stats, error };
}

function StatsText({ stats }: { stats: FolderStats }) {
  return (
    <Text data-testid="folder-stats" data-done={stats.done}>
      {stats.objects.toLocaleString()} objects, {formatBytes(stats.bytes)}
      {stats.done ? '' : ' so far…'}
    </Text>
  );
}

/** Folder details (https://intl.cloud.tencent.com/document/product/436/31633): object count and total size. */
export function FolderDetailsModal({ bucket, region, prefix, onClose }: FolderModalProps) {
  const { stats, error } = useFolderStats(bucket, region, prefix);
  return (
    <Modal opened onClose={onClose} title={`Folder details: ${prefix}`}>
      <Stack>
        <Text size="sm" c="dimmed">
          Every object under <code>{prefix}</code>, in all its subfolders.
        </Text>
        <Group gap="xs">
          {!stats.done && !error && <Loader size="xs" />}
          <StatsText stats={stats} />
        </Group>
        {error !== undefined && <ErrorAlert error={error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** A long action on every key of a folder: progress, and Cancel stops it between requests. */
function useLongAction(onDone: () => void) {
  const controller = useRef<AbortController | undefined>(undefined);
  const [progress, setProgress] = useState<Done | undefined>();
  const [error, setError] = useState<unknown>();
  const run = (action: (signal: AbortSignal, onProgress: (p: Done) => void) => Promise<void>) => {
    controller.current = new AbortController();
    setError(undefined);
    setProgress({ done: 0, total: 0 });
    action(controller.current.signal, setProgress).then(onDone, (err) => {
      setProgress(undefined);
      if (toApiError(err).code !== 'AbortError') setError(err);
      onDone();
    });
  };
  useEffect(() => () => controller.current?.abort(), []);
  return { run, progress, error, cancel: () => controller.current?.abort() };
}

export function DeleteFolderModal({ bucket, region, prefix, onClose }: FolderModalProps) {
  const { stats } = useFolderStats(bucket, region, prefix);
  const invalidate = useInvalidateObjects(bucket);
  const action = useLongAction(() => void invalidate());
  const running = action.progress !== undefined && !action.error;
  return (
    <Modal opened onClose={onClose} title={`Delete folder ${prefix}`}>
      <Stack>
        <Text>Deleting a folder deletes every object under it:</Text>
        <StatsText stats={stats} />
        {action.progress && (
          <>
            <Progress
              value={stats.objects ? (action.progress.done / (stats.objects + 1)) * 100 : 0}
              aria-label="Delete progress"
            />
            <Text size="sm">{action.progress.done.toLocaleString()} deleted</Text>
          </>
        )}
        {action.error !== undefined && <ErrorAlert error={action.error} title="Not everything was deleted" />}
        <Group justify="flex-end">
          {running ? (
            <Button variant="default" onClick={action.cancel}>
              Cancel
            </Button>
          ) : (
            <Button variant="default" onClick={onClose}>
              Close
            </Button>
          )}
          <Button
            color="red"
            disabled={!stats.done || running}
            onClick={() =>
              action.run(async (signal, onProgress) => {
                await deletePrefix(bucket, region, prefix, stats.objects + 1, onProgress, signal);
                notifyDone(`Deleted ${prefix}`);
                onClose();
              })
            }
          >
            Delete {stats.done ? `${stats.objects.toLocaleString()} objects` : ''}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Rename a folder or a file: copy each key to its new name, then delete the old keys. */
export function RenameModal({
  bucket,
  region,
  from,
  parent,
  onClose,
}: {
  bucket: string;
  region: string;
  from: string;
  parent: string;
  onClose: () => void;
}) {
  const isFolder = from.endsWith('/');
  const [name, setName] = useState(from.slice(parent.length).replace(/\/$/, ''));
  const invalidate = useInvalidateObjects(bucket);
  const action = useLongAction(() => void invalidate());
  const running = action.progress !== undefined && !action.error;
  const bad = !name || name.includes('/') ? 'A name, without "/"' : undefined;
  const to = parent + name + (isFolder ? '/' : '');
  return (
    <Modal opened onClose={onClose} title={`Rename ${from}`}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (bad || to === from) return;
          action.run(async (signal, onProgress) => {
            await movePrefix(bucket, region, from, to, 0, onProgress, signal);
            notifyDone(`Renamed to ${to}`);
            onClose();
          });
        }}
      >
        <Stack>
          <TextInput
            label="New name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={name ? bad : undefined}
            data-autofocus
          />
          {isFolder && (
            <Alert variant="light" color="blue">
              COS has no rename: every object in the folder is copied to the new name, then the old ones are deleted.
            </Alert>
          )}
          {action.progress && <Text size="sm">{action.progress.done.toLocaleString()} copied</Text>}
          {action.error !== undefined && <ErrorAlert error={action.error} title="The rename stopped" />}
          <Group justify="flex-end">
            {running ? (
              <Button variant="default" onClick={action.cancel}>
                Cancel
              </Button>
            ) : (
              <Button variant="default" onClick={onClose}>
                Close
              </Button>
            )}
            <Button type="submit" loading={running} disabled={!!bad || to === from}>
              Rename
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function CreateFolderModal({
  bucket,
  region,
  parent,
  onClose,
}: {
  bucket: string;
  region: string;
  parent: string;
  onClose: () => void;
}) {
  const [name, setName] = useState('');
  const create = useCreateFolder(bucket, region);
  const bad = name.includes('/') ? 'One folder at a time: no "/"' : undefined;
  return (
    <Modal opened onClose={onClose} title="Create folder">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!name || bad) return;
          create.mutate(`${parent}${name}/`, { onSuccess: onClose });
        }}
      >
        <Stack>
          <TextInput
            label="Folder name"
            description="A folder is an empty object whose name ends in /."
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={bad}
            data-autofocus
            required
          />
          {create.isError && <ErrorAlert error={create.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!name || !!bad}>
              Create
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

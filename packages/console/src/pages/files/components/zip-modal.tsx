import { Button, Group, Modal, Progress, Stack, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { ErrorAlert } from '../../../components/ui/error-alert.js';
import { formatBytes } from '../../../components/ui/format.js';
import { downloadZip, type ZipItem, type ZipProgress } from '../zip.js';

export interface ZipJob {
  items: ZipItem[];
  name: string;
  handle: Awaited<ReturnType<typeof import('../zip.js').pickZipFile>>;
}

/**
 * The zip being written: files and bytes so far, Cancel; the total is known only for selected files
 * (a folder is listed as the archive is written, so its total is not asked for first).
 */
export function ZipModal({
  bucket,
  region,
  base,
  job,
  onClose,
}: {
  bucket: string;
  region: string;
  base: string;
  job: ZipJob;
  onClose: () => void;
}) {
  const [progress, setProgress] = useState<ZipProgress>({ files: 0, bytes: 0 });
  const [state, setState] = useState<'running' | 'done' | 'cancelled' | 'failed'>('running');
  const [error, setError] = useState<unknown>();
  const controller = useRef<AbortController | undefined>(undefined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: one run per dialog
  useEffect(() => {
    const abort = new AbortController();
    controller.current = abort;
    downloadZip({
      bucket,
      region,
      base,
      items: job.items,
      name: job.name,
      handle: job.handle,
      onProgress: setProgress,
      signal: abort.signal,
    })
      .then(() => setState('done'))
      .catch((err: unknown) => {
        if (abort.signal.aborted) setState('cancelled');
        else {
          setError(err);
          setState('failed');
        }
      });
    return () => abort.abort();
  }, []);
  const onlyFiles = job.items.every((i) => i.kind === 'file');
  const totalBytes = onlyFiles ? job.items.reduce((n, i) => n + (i.kind === 'file' ? i.size : 0), 0) : undefined;
  const percent =
    state === 'done' ? 100 : totalBytes ? Math.min(99, (progress.bytes / Math.max(1, totalBytes)) * 100) : undefined;
  return (
    <Modal opened onClose={() => state !== 'running' && onClose()} title={`Download ${job.name}`}>
      <Stack data-testid="zip-progress" data-state={state}>
        {!job.handle && state === 'running' && (
          <Text size="sm" c="dimmed">
            This browser cannot write the archive to disk as it is made: it is assembled in memory first, then saved.
          </Text>
        )}
        <Text size="sm" aria-live="polite">
          {state === 'done'
            ? `Saved: ${progress.files} file${progress.files === 1 ? '' : 's'}, ${formatBytes(progress.bytes)}.`
            : state === 'cancelled'
              ? 'Cancelled: the partial archive was discarded.'
              : `${progress.files} file${progress.files === 1 ? '' : 's'}, ${formatBytes(progress.bytes)} written${
                  progress.current ? ` (now ${progress.current})` : ''
                }`}
        </Text>
        <Progress
          value={percent ?? 100}
          animated={state === 'running'}
          striped={percent === undefined && state === 'running'}
          aria-label="Zip progress"
        />
        {state === 'failed' && <ErrorAlert error={error} title="The archive was not finished" />}
        <Group justify="flex-end">
          {state === 'running' ? (
            <Button variant="default" onClick={() => controller.current?.abort()}>
              Cancel
            </Button>
          ) : (
            <Button onClick={onClose}>Close</Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}

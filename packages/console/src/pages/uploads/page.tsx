import { Alert, Button, Group, Progress, Skeleton, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { ConfirmModal } from '../../components/ui/confirm-modal.js';
import { ErrorAlert } from '../../components/ui/error-alert.js';
import { formatBytes, formatDate } from '../../components/ui/format.js';
import { notifyDone, notifyError } from '../../components/ui/notify.js';
import type { TabProps } from '../bucket/tab-props.js';
import { useBucketUsage } from '../buckets/hooks.js';
import {
  type IncompleteUpload,
  useAbortUpload,
  useClearUploads,
  useIncompleteUploads,
  useUploadParts,
} from './hooks.js';

function PartsCells({ bucket, region, upload }: { bucket: string; region: string; upload: IncompleteUpload }) {
  const parts = useUploadParts(bucket, region, upload);
  if (parts.isPending) {
    return (
      <>
        <Table.Td>
          <Skeleton h={14} w={30} />
        </Table.Td>
        <Table.Td>
          <Skeleton h={14} w={50} />
        </Table.Td>
      </>
    );
  }
  return (
    <>
      <Table.Td>{parts.data?.parts ?? '—'}</Table.Td>
      <Table.Td>{parts.data ? formatBytes(parts.data.bytes) : '—'}</Table.Td>
    </>
  );
}

/**
 * Incomplete Multipart Upload, as the COS console has it
 * (https://intl.cloud.tencent.com/document/product/436/31632): the uploads that were paused, cancelled or
 * interrupted, which use storage like objects; Delete one, or Clear Incomplete Multipart Uploads.
 */
export function UploadsPage({ bucket, region, can }: TabProps) {
  const mayAbort = can('AbortMultipartUpload');
  const mayReadUsage = can('GetBucketUsage');
  const uploads = useIncompleteUploads(bucket, region);
  const usage = useBucketUsage(bucket, mayReadUsage);
  const abort = useAbortUpload(bucket, region);
  const clear = useClearUploads(bucket, region);
  const [confirming, setConfirming] = useState(false);
  const [cleared, setCleared] = useState(0);
  const list = uploads.data ?? [];
  const freedBytes = usage.data?.incompleteUploads?.bytes;
  return (
    <Stack>
      <Alert variant="light" color="blue">
        Files paused, cancelled or interrupted while uploading in parts are listed here. They cannot be downloaded, and
        like objects they take up storage. A bucket can be deleted only when this list is empty. A lifecycle rule can
        clear them automatically (Lifecycle tab).
      </Alert>
      <Group justify="space-between">
        <Text size="sm" data-testid="uploads-count">
          {uploads.isPending ? 'Loading…' : `${list.length} incomplete multipart upload${list.length === 1 ? '' : 's'}`}
          {freedBytes !== undefined && list.length > 0 ? `, ${formatBytes(freedBytes)}` : ''}
        </Text>
        {mayAbort && (
          <Button color="red" variant="light" disabled={list.length === 0} onClick={() => setConfirming(true)}>
            Clear Incomplete Multipart Uploads
          </Button>
        )}
      </Group>
      {uploads.isError && <ErrorAlert error={uploads.error} title="The uploads could not be listed" />}
      <Table.ScrollContainer minWidth={760}>
        <Table striped aria-label="Incomplete multipart uploads" data-testid="uploads-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Key</Table.Th>
              <Table.Th>Upload ID</Table.Th>
              <Table.Th>Initiated</Table.Th>
              <Table.Th>Parts</Table.Th>
              <Table.Th>Size</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.map((u) => (
              <Table.Tr key={u.uploadId} data-testid="upload-row">
                <Table.Td style={{ wordBreak: 'break-all' }}>{u.key}</Table.Td>
                <Table.Td>
                  <Text size="xs" ff="monospace" style={{ wordBreak: 'break-all' }}>
                    {u.uploadId}
                  </Text>
                </Table.Td>
                <Table.Td>{formatDate(u.initiated)}</Table.Td>
                <PartsCells bucket={bucket} region={region} upload={u} />
                <Table.Td>
                  {mayAbort && (
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      aria-label={`Delete upload of ${u.key}`}
                      loading={abort.isPending && abort.variables?.uploadId === u.uploadId}
                      onClick={() =>
                        abort.mutate(u, { onError: (err) => notifyError('The upload was not deleted', err) })
                      }
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
      {!uploads.isPending && list.length === 0 && (
        <Text c="dimmed" ta="center" data-testid="uploads-empty">
          No incomplete multipart uploads.
        </Text>
      )}
      <ConfirmModal
        opened={confirming}
        title="Clear Incomplete Multipart Uploads"
        confirmLabel="Clear all"
        pending={clear.isPending}
        error={clear.error}
        onClose={() => setConfirming(false)}
        onConfirm={() => {
          setCleared(0);
          clear.mutate(
            { uploads: list, onProgress: setCleared },
            {
              onSuccess: () => {
                notifyDone('Incomplete multipart uploads cleared');
                setConfirming(false);
              },
            },
          );
        }}
      >
        <Text data-testid="clear-summary">
          This deletes all {list.length} incomplete multipart upload{list.length === 1 ? '' : 's'} of {bucket}
          {freedBytes !== undefined ? `, freeing ${formatBytes(freedBytes)} of storage` : ''}. Their parts are gone for
          good: the files have to be uploaded again.
        </Text>
        {clear.isPending && <Progress value={(cleared / Math.max(1, list.length)) * 100} aria-label="Clear progress" />}
      </ConfirmModal>
    </Stack>
  );
}

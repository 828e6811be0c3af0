import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useLocation } from 'wouter';
import { toApiError } from '../../../api/errors.js';
import { ErrorAlert, ErrorDetails } from '../../../components/ui/error-alert.js';
import { notifyDone } from '../../../components/ui/notify.js';
import { useDeleteBucket } from '../hooks.js';

/**
 * Deleting a bucket. When it still holds objects or incomplete multipart uploads the server answers
 * 409 BucketNotEmpty; the console says so in the COS documents' words ("Deletion failed. Please delete
 * the valid data in the bucket first",
 * https://intl.cloud.tencent.com/document/product/436/31632) and offers the way out: the File List,
 * or the Incomplete Multipart Upload page.
 */
export function DeleteBucketModal({
  bucket,
  region,
  onClose,
}: {
  bucket: string;
  region: string;
  onClose: () => void;
}) {
  const remove = useDeleteBucket();
  const [, navigate] = useLocation();
  const error = remove.error ? toApiError(remove.error) : undefined;
  const notEmpty = error?.code === 'BucketNotEmpty';
  return (
    <Modal opened onClose={onClose} title={`Delete bucket ${bucket}`}>
      <Stack>
        {!error && (
          <Text>
            The bucket must be empty: no objects, no versions, no incomplete multipart uploads. This cannot be undone.
          </Text>
        )}
        {notEmpty && error && (
          <Alert
            color="red"
            title="Deletion failed. Please delete the valid data in the bucket first"
            role="alert"
            data-testid="bucket-not-empty"
          >
            <Stack gap="xs">
              <Text size="sm">
                The directory is not empty: the bucket still holds objects, or parts of uploads that were never
                completed (incomplete multipart uploads, which use storage like objects). Delete them, then delete the
                bucket.
              </Text>
              <ErrorDetails error={error} />
              <Group>
                <Button size="xs" onClick={() => navigate(`/buckets/${bucket}/files`)}>
                  Open File List
                </Button>
                <Button size="xs" variant="light" onClick={() => navigate(`/buckets/${bucket}/uploads`)}>
                  Open Incomplete Multipart Upload
                </Button>
              </Group>
            </Stack>
          </Alert>
        )}
        {error && !notEmpty && <ErrorAlert error={remove.error} title="Deletion failed" />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button
            color="red"
            loading={remove.isPending}
            onClick={() =>
              remove.mutate(
                { bucket, region },
                {
                  onSuccess: () => {
                    notifyDone(`Bucket ${bucket} deleted`);
                    onClose();
                  },
                },
              )
            }
          >
            Delete
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

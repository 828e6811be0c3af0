import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { toApiError } from '../../api/errors.js';
import { canOn, useWhoami } from '../../api/permissions.js';
import { currentSession } from '../../api/session.js';
import { ErrorAlert, ErrorDetails } from '../../components/ui/error-alert.js';
import { formatBytes, formatDate } from '../../components/ui/format.js';
import { PageHeader } from '../../components/ui/page-header.js';
import { CreateBucketModal } from './components/create-bucket-modal.js';
import { DeleteBucketModal } from './components/delete-bucket-modal.js';
import { type BucketEntry, useBuckets, useBucketUsage, useBucketVersioning } from './hooks.js';

/** A cell the caller may not read: a dash, and words for assistive technology. */
function NotAllowedCell() {
  return (
    <Table.Td c="dimmed" title="Your policies do not allow reading this">
      —<VisuallyHidden> (not allowed)</VisuallyHidden>
    </Table.Td>
  );
}

function UsageCells({ bucket, allowed }: { bucket: string; allowed: boolean }) {
  const usage = useBucketUsage(bucket, allowed);
  if (!allowed) {
    return (
      <>
        <NotAllowedCell />
        <NotAllowedCell />
        <NotAllowedCell />
      </>
    );
  }
  if (usage.isPending) {
    return (
      <>
        <Table.Td>
          <Skeleton h={14} w={40} />
        </Table.Td>
        <Table.Td>
          <Skeleton h={14} w={60} />
        </Table.Td>
        <Table.Td>
          <Skeleton h={14} w={30} />
        </Table.Td>
      </>
    );
  }
  if (usage.isError) {
    // A sub-user may list a bucket without being allowed its usage: say so quietly, per cell.
    return (
      <>
        <Table.Td c="dimmed" title={String(usage.error.message)}>
          —
        </Table.Td>
        <Table.Td c="dimmed">—</Table.Td>
        <Table.Td c="dimmed">—</Table.Td>
      </>
    );
  }
  const u = usage.data;
  return (
    <>
      <Table.Td data-testid="bucket-objects">{u.objects.count.toLocaleString()}</Table.Td>
      <Table.Td>{formatBytes(u.objects.bytes)}</Table.Td>
      <Table.Td data-testid="bucket-incomplete-uploads">
        {(u.incompleteUploads?.count ?? 0).toLocaleString()}
        {u.incompleteUploads?.bytes ? ` (${formatBytes(u.incompleteUploads.bytes)})` : ''}
      </Table.Td>
    </>
  );
}

function VersioningCell({ bucket, region, allowed }: { bucket: string; region: string; allowed: boolean }) {
  const status = useBucketVersioning(bucket, region, allowed);
  if (!allowed) return <NotAllowedCell />;
  if (status.isPending)
    return (
      <Table.Td>
        <Skeleton h={14} w={50} />
      </Table.Td>
    );
  if (status.isError) return <Table.Td c="dimmed">—</Table.Td>;
  return (
    <Table.Td>
      <Badge color={status.data === 'Enabled' ? 'teal.9' : status.data === 'Suspended' ? 'yellow' : 'gray.7'}>
        {status.data}
      </Badge>
    </Table.Td>
  );
}

/** Without permission to list buckets, a sub-user can still open the one its policy names. */
function OpenByName() {
  const [name, setName] = useState('');
  const [, navigate] = useLocation();
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (name) navigate(`/buckets/${name.trim()}/files`);
      }}
    >
      <Group mt="sm" align="end">
        <TextInput
          label="Open a bucket by name"
          placeholder="photos-1250000000"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        <Button type="submit" variant="light">
          Open
        </Button>
      </Group>
    </form>
  );
}

export function BucketsPage() {
  const buckets = useBuckets();
  const [creating, { open, close }] = useDisclosure();
  const [deleting, setDeleting] = useState<BucketEntry | undefined>();
  const session = currentSession();
  const appId = buckets.data?.[0]?.Name.split('-').at(-1) ?? '1250000000';
  // A sub-user whose policies refuse GetService: say so, and let it open the bucket it was given by name.
  const refused = buckets.isError && toApiError(buckets.error).code === 'AccessDenied';
  // What the caller may do (GET /-/whoami): a read-only sub-user is offered no Create, no Delete, and no
  // columns it may not read.
  const who = useWhoami(buckets.data?.map((b) => b.Name));
  const mayCreate = canOn(who.data, undefined)('CreateBucket');
  const rows = buckets.data ?? [];
  const showUsage = rows.length === 0 || rows.some((b) => canOn(who.data, b.Name)('GetBucketUsage'));
  const showVersioning = rows.length === 0 || rows.some((b) => canOn(who.data, b.Name)('GetBucketVersioning'));
  const showActions =
    (rows.length === 0 && !!session?.isRoot) || rows.some((b) => canOn(who.data, b.Name)('DeleteBucket'));
  const columns = 3 + (showUsage ? 3 : 0) + (showVersioning ? 1 : 0) + (showActions ? 1 : 0);
  return (
    <Stack>
      <PageHeader title="Bucket List">
        {!refused && mayCreate && <Button onClick={open}>Create bucket</Button>}
      </PageHeader>
      {refused && (
        <Alert color="gray" title="You may not list buckets" data-testid="buckets-refused">
          <Text size="sm">
            Your policies do not allow listing the account's buckets (GetService), but you may still open a bucket you
            have been given access to.
          </Text>
          <ErrorDetails error={toApiError(buckets.error)} />
          <OpenByName />
        </Alert>
      )}
      {buckets.isError && !refused && (
        <ErrorAlert error={buckets.error} title="The buckets could not be listed">
          <OpenByName />
        </ErrorAlert>
      )}
      {!refused && (
        <Table.ScrollContainer minWidth={showUsage ? 820 : 480}>
          <Table striped highlightOnHover verticalSpacing="xs" aria-label="Buckets">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Bucket name</Table.Th>
                <Table.Th>Region</Table.Th>
                <Table.Th>Created</Table.Th>
                {showUsage && (
                  <>
                    <Table.Th>Objects</Table.Th>
                    <Table.Th>Size</Table.Th>
                    <Table.Th>Incomplete uploads</Table.Th>
                  </>
                )}
                {showVersioning && <Table.Th>Versioning</Table.Th>}
                {showActions && (
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {buckets.isPending &&
                [0, 1, 2].map((i) => (
                  <Table.Tr key={i}>
                    {Array.from({ length: columns }, (_, j) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: placeholders, all alike
                      <Table.Td key={j}>
                        <Skeleton h={14} />
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              {buckets.data?.map((b) => (
                <Table.Tr key={b.Name}>
                  <Table.Td>
                    <Anchor component={Link} href={`/buckets/${b.Name}/files`}>
                      {b.Name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{b.Location}</Table.Td>
                  <Table.Td>{formatDate(b.CreationDate)}</Table.Td>
                  {showUsage && <UsageCells bucket={b.Name} allowed={canOn(who.data, b.Name)('GetBucketUsage')} />}
                  {showVersioning && (
                    <VersioningCell
                      bucket={b.Name}
                      region={b.Location}
                      allowed={canOn(who.data, b.Name)('GetBucketVersioning')}
                    />
                  )}
                  {showActions && (
                    <Table.Td>
                      {canOn(who.data, b.Name)('DeleteBucket') && (
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => setDeleting(b)}
                          aria-label={`Delete bucket ${b.Name}`}
                        >
                          Delete
                        </Button>
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {buckets.data?.length === 0 &&
        (mayCreate ? (
          <Text c="dimmed" data-testid="buckets-empty">
            No buckets yet: create one to store files.
          </Text>
        ) : (
          <Stack gap={0} data-testid="buckets-empty">
            <Text c="dimmed">None of the account's buckets is open to you.</Text>
            <OpenByName />
          </Stack>
        ))}
      <CreateBucketModal opened={creating} onClose={close} appId={appId} region={session?.region ?? 'ap-guangzhou'} />
      {deleting && (
        <DeleteBucketModal bucket={deleting.Name} region={deleting.Location} onClose={() => setDeleting(undefined)} />
      )}
    </Stack>
  );
}

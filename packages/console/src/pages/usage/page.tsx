import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Card, Group, SimpleGrid, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { currentSession } from '../../api/session.js';
import { ErrorAlert } from '../../components/ui/error-alert.js';
import { formatBytes } from '../../components/ui/format.js';
import { useBucketUsage } from '../buckets/hooks.js';
import { RequestsOverTime } from './requests.js';

function Stat({ label, value, detail }: { label: string; value: string; detail?: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fw={700} size="xl">
        {value}
      </Text>
      {detail && (
        <Text size="sm" c="dimmed">
          {detail}
        </Text>
      )}
    </Card>
  );
}

/**
 * A bucket's usage from the server's live counters (`GET /<bucket>?usage`): current objects and bytes by
 * storage class, noncurrent versions, delete markers and incomplete multipart uploads, which take space
 * and keep a bucket from being deleted; and, for the account root, requests by operation over time.
 */
export function UsagePage({ bucket }: { bucket: string; region: string }) {
  const usage = useBucketUsage(bucket);
  if (usage.isError) return <ErrorAlert error={usage.error} title="The usage could not be read" />;
  if (usage.isPending) return <Skeleton h={300} aria-label="Loading usage" />;
  const u = usage.data;
  const classes = Object.entries(u.objects.byStorageClass).map(([storageClass, c]) => ({
    storageClass,
    bytes: c.bytes,
    objects: c.count,
  }));
  const markers = typeof u.deleteMarkers === 'number' ? u.deleteMarkers : (u.deleteMarkers?.count ?? 0);
  return (
    <Stack data-testid="usage">
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
        <Stat label="Objects" value={u.objects.count.toLocaleString()} detail={formatBytes(u.objects.bytes)} />
        <Stat
          label="Noncurrent versions"
          value={(u.noncurrentVersions?.count ?? 0).toLocaleString()}
          detail={formatBytes(u.noncurrentVersions?.bytes ?? 0)}
        />
        <Stat label="Delete markers" value={markers.toLocaleString()} />
        <Stat
          label="Incomplete multipart uploads"
          value={(u.incompleteUploads?.count ?? 0).toLocaleString()}
          detail={formatBytes(u.incompleteUploads?.bytes ?? 0)}
        />
      </SimpleGrid>
      <Card withBorder>
        <Title order={3} size="h5" mb="sm">
          Storage by class
        </Title>
        {classes.length === 0 ? (
          <Text c="dimmed">No objects yet.</Text>
        ) : (
          <Group align="flex-start" grow wrap="wrap">
            <BarChart
              h={220}
              miw={260}
              data={classes}
              dataKey="storageClass"
              series={[{ name: 'bytes', color: 'indigo.6', label: 'Size' }]}
              valueFormatter={(value) => formatBytes(value)}
              yAxisProps={{ width: 70 }}
              withLegend
              aria-label="Bytes by storage class"
            />
            <Table aria-label="Objects by storage class" miw={260}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Storage class</Table.Th>
                  <Table.Th>Objects</Table.Th>
                  <Table.Th>Size</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {Object.entries(u.objects.byStorageClass).map(([name, c]) => (
                  <Table.Tr key={name}>
                    <Table.Td>{name}</Table.Td>
                    <Table.Td>{c.count.toLocaleString()}</Table.Td>
                    <Table.Td>{formatBytes(c.bytes)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Group>
        )}
      </Card>
      <Text size="xs" c="dimmed">
        Live figures, kept up to date by every write.
      </Text>
      {currentSession()?.isRoot ? (
        <RequestsOverTime bucket={bucket} />
      ) : (
        <Text size="sm" c="dimmed">
          Requests over time are shown to the account root.
        </Text>
      )}
    </Stack>
  );
}

import { AreaChart } from '@mantine/charts';
import { Card, Group, SegmentedControl, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { fetchRequestSeries, type RequestSeries } from '../../api/usage-source.js';
import { ErrorAlert } from '../../components/ui/error-alert.js';
import { formatBytes } from '../../components/ui/format.js';

/** The ranges offered, each with an interval giving 60–168 points. */
const RANGES = {
  '1h': { label: 'Last hour', seconds: 3600, step: 60 },
  '24h': { label: 'Last 24 hours', seconds: 86_400, step: 600 },
  '7d': { label: 'Last 7 days', seconds: 7 * 86_400, step: 3600 },
} as const;
type Range = keyof typeof RANGES;

/** Operations drawn as their own area; the rest are summed as "Other" so the chart stays readable. */
const MAX_SERIES = 7;
const COLORS = [
  'blue.6',
  'teal.6',
  'orange.6',
  'grape.6',
  'cyan.6',
  'pink.6',
  'lime.7',
  'yellow.7',
  'indigo.4',
  'red.6',
];
/** The usual operations keep one color whatever their rank, so a refresh or a range change never swaps them. */
const KNOWN: Record<string, string> = {
  GetObject: 'blue.6',
  PutObject: 'teal.6',
  HeadObject: 'orange.6',
  ListObjects: 'grape.6',
  ListObjectsV2: 'grape.6',
  DeleteObject: 'red.6',
  UploadPart: 'cyan.6',
  GetBucketUsage: 'pink.6',
};
const OTHER = 'Other';

function colorOf(operation: string): string {
  if (operation === OTHER) return 'gray.6';
  const known = KNOWN[operation];
  if (known) return known;
  let hash = 0;
  for (const ch of operation) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return COLORS[hash % COLORS.length]!;
}

function useRequestSeries(bucket: string, range: Range) {
  const { seconds, step } = RANGES[range];
  return useQuery({
    queryKey: ['requests', bucket, range],
    queryFn: () => fetchRequestSeries(bucket, seconds, step),
    staleTime: 0,
    // Gateways flush their counts every few seconds: a minute's refresh keeps the chart current.
    refetchInterval: 60_000,
  });
}

/** The chart's rows: one per interval, a key per drawn operation (zeros included, so the areas stack). */
function chartData(series: RequestSeries, range: Range) {
  const drawn = series.operations.slice(0, MAX_SERIES);
  const rest = series.operations.slice(MAX_SERIES);
  const time = new Intl.DateTimeFormat(undefined, {
    ...(range === '7d' ? { month: 'short', day: 'numeric' } : {}),
    hour: '2-digit',
    minute: '2-digit',
  });
  const data = series.intervals.map((interval) => {
    const row: Record<string, string | number> = { time: time.format(new Date(interval.start)) };
    for (const op of drawn) row[op] = interval.requests[op] ?? 0;
    if (rest.length > 0) row[OTHER] = rest.reduce((n, op) => n + (interval.requests[op] ?? 0), 0);
    return row;
  });
  const names = rest.length > 0 ? [...drawn, OTHER] : drawn;
  return { data, series: names.map((name) => ({ name, color: colorOf(name) })) };
}

/**
 * Requests to the bucket by operation over time (`GET /-/admin/usage/requests`): a stacked area chart
 * for the chosen range, and each operation's totals. The counts are kept per minute by every gateway
 * and reach the server's store every few seconds (docs/operations.md, "Requests over time").
 */
export function RequestsOverTime({ bucket }: { bucket: string }) {
  const [range, setRange] = useState<Range>('24h');
  const query = useRequestSeries(bucket, range);
  return (
    <Card withBorder data-testid="requests-over-time">
      <Group justify="space-between" mb="sm" wrap="wrap">
        <Title order={3} size="h5">
          Requests by operation
        </Title>
        <SegmentedControl
          size="xs"
          aria-label="Time range"
          value={range}
          onChange={(value) => setRange(value as Range)}
          data={Object.entries(RANGES).map(([value, r]) => ({ value, label: r.label }))}
        />
      </Group>
      <RequestsBody query={query} range={range} />
    </Card>
  );
}

function RequestsBody({ query, range }: { query: ReturnType<typeof useRequestSeries>; range: Range }) {
  if (query.isError) return <ErrorAlert error={query.error} title="Requests over time could not be read" />;
  if (query.isPending) return <Skeleton h={260} aria-label="Loading requests" />;
  const series = query.data;
  if (series.operations.length === 0) {
    return (
      <Text c="dimmed" data-testid="requests-empty">
        No requests to this bucket in the {RANGES[range].label.toLowerCase()}.
      </Text>
    );
  }
  const chart = chartData(series, range);
  return (
    <Stack>
      <AreaChart
        h={260}
        data={chart.data}
        dataKey="time"
        series={chart.series}
        type="stacked"
        curveType="linear"
        withDots={false}
        withLegend
        legendProps={{ verticalAlign: 'bottom' }}
        tickLine="y"
        yAxisProps={{ width: 50, allowDecimals: false }}
        xAxisProps={{ minTickGap: 24 }}
        aria-label={`Requests by operation, ${RANGES[range].label.toLowerCase()}, every ${series.step / 60} minutes`}
      />
      <Table aria-label="Requests by operation, totals" striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Operation</Table.Th>
            <Table.Th ta="right">Requests</Table.Th>
            <Table.Th ta="right">Errors</Table.Th>
            <Table.Th ta="right" visibleFrom="xs">
              Received
            </Table.Th>
            <Table.Th ta="right" visibleFrom="xs">
              Sent
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {series.operations.map((op) => {
            const t = series.totals[op]!;
            return (
              <Table.Tr key={op}>
                <Table.Td>{op}</Table.Td>
                <Table.Td ta="right">{t.requests.toLocaleString()}</Table.Td>
                <Table.Td ta="right">{t.errors.toLocaleString()}</Table.Td>
                <Table.Td ta="right" visibleFrom="xs">
                  {formatBytes(t.bytesIn)}
                </Table.Td>
                <Table.Td ta="right" visibleFrom="xs">
                  {formatBytes(t.bytesOut)}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      <Text size="xs" c="dimmed">
        Counted per minute by every gateway and saved every few seconds; errors are answers of status 400 or more.
      </Text>
    </Stack>
  );
}

import { Anchor, Group, Stack, Tabs, Title } from '@mantine/core';
import { Link, useLocation } from 'wouter';
import { currentSession } from '../../api/session.js';
import { useBuckets } from '../buckets/hooks.js';
import { FilesPage } from '../files/page.js';
import { LifecyclePage } from '../lifecycle/page.js';
import { UploadsPage } from '../uploads/page.js';
import { VersionsPage } from '../versions/page.js';

const TABS = [
  { value: 'files', label: 'File List' },
  { value: 'uploads', label: 'Incomplete Multipart Upload' },
  { value: 'versions', label: 'Versions' },
  { value: 'lifecycle', label: 'Lifecycle' },
];

export function BucketPage({ bucket, tab }: { bucket: string; tab: string }) {
  const [, navigate] = useLocation();
  const buckets = useBuckets();
  const region = buckets.data?.find((b) => b.Name === bucket)?.Location ?? currentSession()?.region ?? 'ap-guangzhou';
  return (
    <Stack>
      <Group gap="xs">
        <Anchor component={Link} href="/">
          Bucket List
        </Anchor>
        <span aria-hidden>›</span>
        <Title order={2} size="h3">
          {bucket}
        </Title>
      </Group>
      <Tabs value={tab} onChange={(value) => navigate(`/buckets/${bucket}/${value}`)} keepMounted={false}>
        <Tabs.List>
          {TABS.map((t) => (
            <Tabs.Tab key={t.value} value={t.value}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="files" pt="md">
          <FilesPage bucket={bucket} region={region} />
        </Tabs.Panel>
        <Tabs.Panel value="uploads" pt="md">
          <UploadsPage bucket={bucket} region={region} />
        </Tabs.Panel>
        <Tabs.Panel value="versions" pt="md">
          <VersionsPage bucket={bucket} region={region} />
        </Tabs.Panel>
        <Tabs.Panel value="lifecycle" pt="md">
          <LifecyclePage bucket={bucket} region={region} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

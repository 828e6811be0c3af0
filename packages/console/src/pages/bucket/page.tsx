import { Anchor, Group, Stack, Tabs, Title } from '@mantine/core';
import type { ComponentType } from 'react';
import { Link, useLocation } from 'wouter';
import { currentSession } from '../../api/session.js';
import { lazyPage } from '../../components/ui/lazy-page.js';
import { useBuckets } from '../buckets/hooks.js';
// The File List comes with this chunk: it is what opening a bucket shows, so no second round trip.
import { FilesPage } from '../files/page.js';

interface TabProps {
  bucket: string;
  region: string;
}

/** Every other tab is its own chunk, loaded when it is opened. */
const TABS: { value: string; label: string; page: ComponentType<TabProps> }[] = [
  { value: 'files', label: 'File List', page: FilesPage },
  {
    value: 'uploads',
    label: 'Incomplete Multipart Upload',
    page: lazyPage(() => import('../uploads/page.js').then((m) => m.UploadsPage)),
  },
  {
    value: 'versions',
    label: 'Versions',
    page: lazyPage(() => import('../versions/page.js').then((m) => m.VersionsPage)),
  },
  {
    value: 'lifecycle',
    label: 'Lifecycle',
    page: lazyPage(() => import('../lifecycle/page.js').then((m) => m.LifecyclePage)),
  },
  {
    value: 'basic',
    label: 'Basic Configurations',
    page: lazyPage(() => import('../settings/basic.js').then((m) => m.BasicConfigurationsPage)),
  },
  {
    value: 'permission',
    label: 'Permission',
    page: lazyPage(() => import('../settings/permission.js').then((m) => m.PermissionPage)),
  },
  {
    value: 'security',
    label: 'Security',
    page: lazyPage(() => import('../settings/security.js').then((m) => m.SecurityPage)),
  },
  {
    value: 'usage',
    label: 'Usage',
    page: lazyPage(() => import('../usage/page.js').then((m) => m.UsagePage)),
  },
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
        <Title order={2} size="h3" style={{ wordBreak: 'break-all' }}>
          {bucket}
        </Title>
      </Group>
      <Tabs value={tab} onChange={(value) => navigate(`/buckets/${bucket}/${value}`)} keepMounted={false}>
        <Tabs.List style={{ flexWrap: 'nowrap', overflowX: 'auto', overflowY: 'hidden' }}>
          {TABS.map((t) => (
            <Tabs.Tab key={t.value} value={t.value} style={{ whiteSpace: 'nowrap' }}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {TABS.map(({ value, page: Page }) => (
          <Tabs.Panel key={value} value={value} pt="md">
            <Page bucket={bucket} region={region} />
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}

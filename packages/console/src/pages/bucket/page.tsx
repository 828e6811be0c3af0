import { Anchor, Group, Stack, Tabs, Title } from '@mantine/core';
import { type ComponentType, lazy, Suspense } from 'react';
import { Link, useLocation } from 'wouter';
import { currentSession } from '../../api/session.js';
import { PageLoader } from '../../components/ui/page-loader.js';
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
    page: lazy(() => import('../uploads/page.js').then((m) => ({ default: m.UploadsPage }))),
  },
  {
    value: 'versions',
    label: 'Versions',
    page: lazy(() => import('../versions/page.js').then((m) => ({ default: m.VersionsPage }))),
  },
  {
    value: 'lifecycle',
    label: 'Lifecycle',
    page: lazy(() => import('../lifecycle/page.js').then((m) => ({ default: m.LifecyclePage }))),
  },
  {
    value: 'basic',
    label: 'Basic Configurations',
    page: lazy(() => import('../settings/basic.js').then((m) => ({ default: m.BasicConfigurationsPage }))),
  },
  {
    value: 'permission',
    label: 'Permission',
    page: lazy(() => import('../settings/permission.js').then((m) => ({ default: m.PermissionPage }))),
  },
  {
    value: 'security',
    label: 'Security',
    page: lazy(() => import('../settings/security.js').then((m) => ({ default: m.SecurityPage }))),
  },
  {
    value: 'usage',
    label: 'Usage',
    page: lazy(() => import('../usage/page.js').then((m) => ({ default: m.UsagePage }))),
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
            <Suspense fallback={<PageLoader />}>
              <Page bucket={bucket} region={region} />
            </Suspense>
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}

import { Anchor, Group, NativeSelect, Stack, Tabs, Title } from '@mantine/core';
import type { ComponentType } from 'react';
import { Link, useLocation } from 'wouter';
import { useCan } from '../../api/permissions.js';
import { currentSession } from '../../api/session.js';
import { lazyPage } from '../../components/ui/lazy-page.js';
import { useBuckets } from '../buckets/hooks.js';
// The File List comes with this chunk: it is what opening a bucket shows, so no second round trip.
import { FilesPage } from '../files/page.js';
import type { TabProps } from './tab-props.js';

export type { TabProps } from './tab-props.js';

/**
 * Every other tab is its own chunk, loaded when it is opened. A tab shows when the caller may read what it
 * shows (any of `needs`): a read-only sub-user gets the File List, not eight tabs of AccessDenied.
 */
const TABS: { value: string; label: string; needs: string[]; page: ComponentType<TabProps> }[] = [
  { value: 'files', label: 'File List', needs: ['ListObjects'], page: FilesPage },
  {
    value: 'uploads',
    label: 'Incomplete Multipart Upload',
    needs: ['ListMultipartUploads'],
    page: lazyPage(() => import('../uploads/page.js').then((m) => m.UploadsPage)),
  },
  {
    value: 'versions',
    label: 'Versions',
    needs: ['ListObjectVersions', 'GetBucketVersioning'],
    page: lazyPage(() => import('../versions/page.js').then((m) => m.VersionsPage)),
  },
  {
    value: 'recycle',
    label: 'Recycle bin',
    needs: ['ListRecycled', 'GetBucketRecycle'],
    page: lazyPage(() => import('../recycle/page.js').then((m) => m.RecyclePage)),
  },
  {
    value: 'lifecycle',
    label: 'Lifecycle',
    needs: ['GetBucketLifecycle'],
    page: lazyPage(() => import('../lifecycle/page.js').then((m) => m.LifecyclePage)),
  },
  {
    value: 'basic',
    label: 'Basic Configurations',
    needs: ['GetBucketTagging'],
    page: lazyPage(() => import('../settings/basic.js').then((m) => m.BasicConfigurationsPage)),
  },
  {
    value: 'permission',
    label: 'Permission',
    needs: ['GetBucketAcl', 'GetBucketPolicy', 'GetBucketCors', 'GetBucketReferer'],
    page: lazyPage(() => import('../settings/permission.js').then((m) => m.PermissionPage)),
  },
  {
    value: 'security',
    label: 'Security',
    needs: ['GetBucketEncryption', 'GetObjectLockConfiguration'],
    page: lazyPage(() => import('../settings/security.js').then((m) => m.SecurityPage)),
  },
  {
    value: 'logging',
    label: 'Logging and inventory',
    needs: ['GetBucketLogging', 'ListBucketInventoryConfigurations', 'GetBucketNotification'],
    page: lazyPage(() => import('../logging/page.js').then((m) => m.LoggingPage)),
  },
  {
    value: 'usage',
    label: 'Usage',
    needs: ['GetBucketUsage'],
    page: lazyPage(() => import('../usage/page.js').then((m) => m.UsagePage)),
  },
];

export function BucketPage({ bucket, tab }: { bucket: string; tab: string }) {
  const [, navigate] = useLocation();
  const buckets = useBuckets();
  const region = buckets.data?.find((b) => b.Name === bucket)?.Location ?? currentSession()?.region ?? 'ap-guangzhou';
  const { can } = useCan(bucket);
  // The open tab always shows (a link may name it); the others when the caller may use them.
  const tabs = TABS.filter((t) => t.value === tab || t.needs.some(can));
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
      {/* Ten tabs do not fit a phone's width: there the sections are a native picker instead. */}
      <NativeSelect
        hiddenFrom="sm"
        label="Section"
        value={tab}
        onChange={(event) => navigate(`/buckets/${bucket}/${event.currentTarget.value}`)}
        data={tabs.map((t) => ({ value: t.value, label: t.label }))}
      />
      <Tabs value={tab} onChange={(value) => navigate(`/buckets/${bucket}/${value}`)} keepMounted={false}>
        {/* Wrapped onto a second row rather than scrolled sideways, where the last tabs were cut with no hint. */}
        <Tabs.List visibleFrom="sm" style={{ flexWrap: 'wrap' }}>
          {tabs.map((t) => (
            <Tabs.Tab key={t.value} value={t.value} style={{ whiteSpace: 'nowrap' }}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {tabs.map(({ value, page: Page }) => (
          <Tabs.Panel key={value} value={value} pt="md">
            <Page bucket={bucket} region={region} can={can} />
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}

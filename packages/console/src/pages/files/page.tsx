import {
  ActionIcon,
  Anchor,
  Breadcrumbs,
  Button,
  Checkbox,
  Group,
  Menu,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { Dropzone, type FileWithPath } from '@mantine/dropzone';
import { useMediaQuery } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearch } from 'wouter';
import { toApiError } from '../../api/errors.js';
import { useCan } from '../../api/permissions.js';
import { ErrorAlert } from '../../components/ui/error-alert.js';
import { formatBytes, formatDate } from '../../components/ui/format.js';
import { notifyError } from '../../components/ui/notify.js';
import { CreateFolderModal, DeleteFolderModal, FolderDetailsModal, RenameModal } from './components/folder-actions.js';
import { DetailsModal } from './components/object-details.js';
import { canPreview, DeleteFileModal, PreviewModal, ShareModal } from './components/object-modals.js';
import { UploadPanel } from './components/upload-panel.js';
import { type ZipJob, ZipModal } from './components/zip-modal.js';
import { type Entry, type FileEntry, shareUrl, useObjectPage } from './hooks.js';
import { enqueue, setOnFinished } from './upload-queue.js';
import { pickZipFile, type ZipItem } from './zip.js';

/** What the caller may do here (GET /-/whoami, object operations decided in this folder). */
interface Perms {
  read: boolean;
  write: boolean;
  remove: boolean;
}

type Dialog =
  | { kind: 'create-folder' }
  | { kind: 'folder-details' | 'delete-folder'; prefix: string }
  | { kind: 'rename'; from: string }
  | { kind: 'preview' | 'share' | 'details' | 'delete-file'; file: FileEntry };

/** A dropped folder's files carry their path inside it ("photos/a.jpg"); picked files only their name. */
function relativePathOf(file: File): string {
  const withPath = file as FileWithPath & { webkitRelativePath?: string };
  return withPath.webkitRelativePath || withPath.path || file.name;
}

export function FilesPage({ bucket, region }: { bucket: string; region: string }) {
  const params = new URLSearchParams(useSearch());
  const folder = params.get('prefix') ?? '';
  const [search, setSearch] = useState('');
  const [pageSize, setPageSize] = useState('100');
  const [markers, setMarkers] = useState<(string | undefined)[]>([undefined]);
  const pageIndex = markers.length - 1;
  const page = useObjectPage(bucket, region, folder, search, markers[pageIndex], Number(pageSize));
  const [dialog, setDialog] = useState<Dialog | undefined>();
  const queryClient = useQueryClient();
  const folderInput = useRef<HTMLInputElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const { can } = useCan(bucket, folder);
  const mayRead = can('GetObject');
  const mayWrite = can('PutObject');
  const mayRemove = can('DeleteObject');
  const perms = useMemo<Perms>(
    () => ({ read: mayRead, write: mayWrite, remove: mayRemove }),
    [mayRead, mayWrite, mayRemove],
  );
  // Selected rows (files and folders) of this page, for a zip download.
  const [selected, setSelected] = useState<Map<string, ZipItem>>(new Map());
  const [zipJob, setZipJob] = useState<ZipJob | undefined>();

  // A new folder, search or page size starts from the first page.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on these inputs only
  useEffect(() => setMarkers([undefined]), [folder, search, pageSize, bucket]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new page clears the selection
  useEffect(() => setSelected(new Map()), [folder, search, pageSize, bucket, pageIndex]);
  const onSelect = useCallback((id: string, item: ZipItem | undefined) => {
    setSelected((old) => {
      const next = new Map(old);
      if (item) next.set(id, item);
      else next.delete(id);
      return next;
    });
  }, []);
  const zipName = (folder ? (folder.split('/').filter(Boolean).at(-1) ?? bucket) : bucket).concat('.zip');
  // The save picker needs the click's gesture: it is asked for before anything else is awaited.
  const startZip = useCallback(async (items: ZipItem[], name: string) => {
    try {
      const handle = await pickZipFile(name);
      setZipJob({ items, name, handle });
    } catch (err) {
      if (toApiError(err).code !== 'AbortError') notifyError('The archive could not be started', err);
    }
  }, []);
  useEffect(
    () => setOnFinished((b) => void queryClient.invalidateQueries({ queryKey: ['objects', b] })),
    [queryClient],
  );

  const upload = (files: File[]) =>
    enqueue(
      bucket,
      region,
      folder,
      files.map((file) => ({ file, relativePath: relativePathOf(file) })),
    );
  const segments = folder.split('/').filter(Boolean);
  const close = () => setDialog(undefined);

  return (
    <Stack>
      <nav aria-label="Folder path">
        <Breadcrumbs separator="/">
          <Anchor component={Link} href={`/buckets/${bucket}/files`}>
            {bucket}
          </Anchor>
          {segments.map((s, i) => (
            <Anchor
              key={segments.slice(0, i + 1).join('/')}
              component={Link}
              href={`/buckets/${bucket}/files?prefix=${encodeURIComponent(`${segments.slice(0, i + 1).join('/')}/`)}`}
            >
              {s}
            </Anchor>
          ))}
        </Breadcrumbs>
      </nav>
      <Group justify="space-between">
        <Group gap="xs">
          {perms.write && (
            <>
              <Button onClick={() => fileInput.current?.click()}>Upload files</Button>
              <Button variant="light" onClick={() => folderInput.current?.click()}>
                Upload folder
              </Button>
              <Button variant="default" onClick={() => setDialog({ kind: 'create-folder' })}>
                Create folder
              </Button>
            </>
          )}
          {perms.read && selected.size > 0 && (
            <Button
              variant="default"
              onClick={() => void startZip([...selected.values()], zipName)}
              data-testid="zip-selected"
            >
              Download {selected.size} as zip
            </Button>
          )}
          {folder && (
            <Button variant="default" onClick={() => setDialog({ kind: 'folder-details', prefix: folder })}>
              Folder details
            </Button>
          )}
          <input
            ref={fileInput}
            type="file"
            multiple
            hidden
            aria-label="Choose files"
            onChange={(e) => upload([...(e.currentTarget.files ?? [])])}
          />
          <input
            ref={folderInput}
            type="file"
            hidden
            aria-label="Choose a folder"
            {...({ webkitdirectory: '', directory: '' } as Record<string, string>)}
            onChange={(e) => upload([...(e.currentTarget.files ?? [])])}
          />
        </Group>
        <TextInput
          placeholder="Name starts with…"
          aria-label="Search this folder by name prefix"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={220}
        />
      </Group>
      {perms.write && (
        <Dropzone
          onDrop={upload}
          activateOnClick={false}
          multiple
          aria-label="Drop files or folders here to upload"
          data-testid="dropzone"
          p="xs"
        >
          <Text size="sm" c="dimmed" ta="center">
            Drag files or folders here to upload them to <b>/{folder}</b> (multipart above 8 MB; pause, resume and
            cancel in the panel below)
          </Text>
        </Dropzone>
      )}
      <UploadPanel />
      {page.isError && <ErrorAlert error={page.error} title="The files could not be listed" />}
      <FileTable
        entries={page.data?.entries}
        pending={page.isPending}
        fetching={page.isFetching}
        bucket={bucket}
        region={region}
        onDialog={setDialog}
        perms={perms}
        selected={selected}
        onSelect={onSelect}
        onSelectAll={(items) => setSelected(new Map(items.map((i) => [i.kind === 'file' ? i.key : i.prefix, i])))}
        onZipFolder={(prefix) =>
          void startZip([{ kind: 'folder', prefix }], `${prefix.split('/').filter(Boolean).at(-1) ?? 'folder'}.zip`)
        }
      />
      {page.data?.entries.length === 0 && (
        <Text c="dimmed" ta="center">
          {search
            ? 'Nothing here starts with that.'
            : perms.write
              ? 'This folder is empty: upload files or drop them above.'
              : 'This folder is empty.'}
        </Text>
      )}
      <Group justify="space-between">
        <Group gap="xs">
          <Text size="sm">Page {pageIndex + 1}</Text>
          <Select
            aria-label="Rows per page"
            data={['100', '500', '1000']}
            value={pageSize}
            onChange={(v) => setPageSize(v ?? '100')}
            allowDeselect={false}
            w={100}
            size="xs"
          />
        </Group>
        <Group gap="xs">
          <Button
            variant="default"
            size="xs"
            disabled={pageIndex === 0}
            onClick={() => setMarkers(markers.slice(0, -1))}
          >
            Previous page
          </Button>
          <Button
            variant="default"
            size="xs"
            disabled={!page.data?.nextMarker || page.isPlaceholderData}
            onClick={() => setMarkers([...markers, page.data?.nextMarker])}
          >
            Next page
          </Button>
        </Group>
      </Group>
      {dialog?.kind === 'create-folder' && (
        <CreateFolderModal bucket={bucket} region={region} parent={folder} onClose={close} />
      )}
      {dialog?.kind === 'folder-details' && (
        <FolderDetailsModal bucket={bucket} region={region} prefix={dialog.prefix} onClose={close} />
      )}
      {dialog?.kind === 'delete-folder' && (
        <DeleteFolderModal bucket={bucket} region={region} prefix={dialog.prefix} onClose={close} />
      )}
      {dialog?.kind === 'delete-file' && (
        <DeleteFileModal bucket={bucket} region={region} file={dialog.file} onClose={close} />
      )}
      {dialog?.kind === 'rename' && (
        <RenameModal bucket={bucket} region={region} from={dialog.from} parent={folder} onClose={close} />
      )}
      {dialog?.kind === 'preview' && (
        <PreviewModal bucket={bucket} region={region} file={dialog.file} onClose={close} />
      )}
      {dialog?.kind === 'share' && <ShareModal bucket={bucket} region={region} file={dialog.file} onClose={close} />}
      {dialog?.kind === 'details' && (
        <DetailsModal bucket={bucket} region={region} file={dialog.file} onClose={close} />
      )}
      {zipJob && (
        <ZipModal
          bucket={bucket}
          region={region}
          base={folder}
          job={zipJob}
          onClose={() => {
            setZipJob(undefined);
            setSelected(new Map());
          }}
        />
      )}
    </Stack>
  );
}

/** Rendered only while the row's menu is open: the presigned URL is signed then, not for every row. */
function DownloadItem({ bucket, region, fileKey }: { bucket: string; region: string; fileKey: string }) {
  return (
    <Menu.Item component="a" href={shareUrl(bucket, region, fileKey, 900, true)}>
      Download
    </Menu.Item>
  );
}

/** Drawn, not an emoji: a system without an emoji font would show a box. */
function FolderIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" style={{ verticalAlign: '-2px' }}>
      <path fill="currentColor" d="M10 4H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V8a2 2 0 0 0-2-2h-8l-2-2z" />
    </svg>
  );
}

/** A row is about this tall before it is measured (a long name may wrap). */
const ROW_HEIGHT_PX = 41;

/**
 * The folder's page as a table whose rows are virtualised against the window's scroll (TanStack Virtual):
 * a page of 1,000 entries renders only the rows in view and a few either side, so it appears as fast as a
 * page of 30. The table keeps its semantics: aria-rowcount and aria-rowindex tell assistive technology
 * how many rows there are and where each rendered one sits.
 */
function FileTable({
  entries,
  pending,
  fetching,
  bucket,
  region,
  onDialog,
  perms,
  selected,
  onSelect,
  onSelectAll,
  onZipFolder,
}: {
  entries: Entry[] | undefined;
  pending: boolean;
  fetching: boolean;
  bucket: string;
  region: string;
  onDialog: (d: Dialog) => void;
  perms: Perms;
  selected: Map<string, ZipItem>;
  onSelect: (id: string, item: ZipItem | undefined) => void;
  onSelectAll: (items: ZipItem[]) => void;
  onZipFolder: (prefix: string) => void;
}) {
  const narrow = useMediaQuery('(max-width: 48em)') ?? false;
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const [scrollMargin, setScrollMargin] = useState(0);
  const rows = entries ?? [];
  useLayoutEffect(() => {
    const top = bodyRef.current?.getBoundingClientRect().top;
    if (top !== undefined) setScrollMargin(top + window.scrollY);
  });
  const virtualizer = useWindowVirtualizer({
    count: rows.length,
    estimateSize: () => ROW_HEIGHT_PX,
    overscan: 12,
    scrollMargin,
    getItemKey: (i) => {
      const e = rows[i]!;
      return e.kind === 'folder' ? e.prefix : e.key;
    },
  });
  const items = virtualizer.getVirtualItems();
  const padTop = items.length > 0 ? items[0]!.start - scrollMargin : 0;
  const padBottom = items.length > 0 ? virtualizer.getTotalSize() - (items.at(-1)!.end - scrollMargin) : 0;
  return (
    <Table.ScrollContainer minWidth={narrow ? 0 : 700}>
      <Table
        highlightOnHover
        verticalSpacing={6}
        aria-label="Files"
        data-testid="file-table"
        data-row-count={rows.length}
        aria-rowcount={rows.length + 1}
        aria-busy={fetching}
        layout="fixed"
      >
        <Table.Thead>
          <Table.Tr aria-rowindex={1}>
            {perms.read && (
              <Table.Th w={40}>
                <Checkbox
                  aria-label="Select every entry on this page"
                  checked={rows.length > 0 && selected.size === rows.length}
                  indeterminate={selected.size > 0 && selected.size < rows.length}
                  onChange={(e) =>
                    onSelectAll(
                      e.currentTarget.checked
                        ? rows.map(
                            (r): ZipItem =>
                              r.kind === 'file'
                                ? { kind: 'file', key: r.key, size: r.size }
                                : { kind: 'folder', prefix: r.prefix },
                          )
                        : [],
                    )
                  }
                />
              </Table.Th>
            )}
            <Table.Th>Name</Table.Th>
            <Table.Th w={narrow ? 90 : 110}>Size</Table.Th>
            <Table.Th w={130} visibleFrom="sm">
              Storage class
            </Table.Th>
            <Table.Th w={200} visibleFrom="sm">
              Last modified
            </Table.Th>
            <Table.Th w={56}>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody ref={bodyRef}>
          {pending &&
            Array.from({ length: 8 }, (_, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: placeholders
              <Table.Tr key={i}>
                {Array.from({ length: (narrow ? 3 : 5) + (perms.read ? 1 : 0) }, (_, j) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: placeholders
                  <Table.Td key={j}>
                    <Skeleton h={14} />
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          {padTop > 0 && (
            <tr aria-hidden>
              <td colSpan={perms.read ? 6 : 5} style={{ height: padTop, padding: 0, border: 0 }} />
            </tr>
          )}
          {items.map((item) => (
            <Row
              key={item.key as string}
              index={item.index}
              measure={virtualizer.measureElement}
              entry={rows[item.index]!}
              bucket={bucket}
              region={region}
              onDialog={onDialog}
              perms={perms}
              isSelected={selected.has(rowId(rows[item.index]!))}
              onSelect={onSelect}
              onZipFolder={onZipFolder}
            />
          ))}
          {padBottom > 0 && (
            <tr aria-hidden>
              <td colSpan={perms.read ? 6 : 5} style={{ height: padBottom, padding: 0, border: 0 }} />
            </tr>
          )}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function rowId(e: Entry): string {
  return e.kind === 'folder' ? e.prefix : e.key;
}

const Row = memo(function Row({
  index,
  measure,
  entry,
  bucket,
  region,
  onDialog,
  perms,
  isSelected,
  onSelect,
  onZipFolder,
}: {
  index: number;
  measure: (el: Element | null) => void;
  entry: Entry;
  bucket: string;
  region: string;
  onDialog: (d: Dialog) => void;
  perms: Perms;
  isSelected: boolean;
  onSelect: (id: string, item: ZipItem | undefined) => void;
  onZipFolder: (prefix: string) => void;
}) {
  const rowProps = { ref: measure, 'data-index': index, 'aria-rowindex': index + 2 };
  const select = perms.read && (
    <Table.Td>
      <Checkbox
        aria-label={`Select ${entry.name}`}
        checked={isSelected}
        onChange={(e) =>
          onSelect(
            rowId(entry),
            e.currentTarget.checked
              ? entry.kind === 'file'
                ? { kind: 'file', key: entry.key, size: entry.size }
                : { kind: 'folder', prefix: entry.prefix }
              : undefined,
          )
        }
      />
    </Table.Td>
  );
  if (entry.kind === 'folder') {
    return (
      <Table.Tr {...rowProps} data-testid="folder-row" data-prefix={entry.prefix}>
        {select}
        <Table.Td>
          <Anchor component={Link} href={`/buckets/${bucket}/files?prefix=${encodeURIComponent(entry.prefix)}`}>
            <FolderIcon /> {entry.name}
          </Anchor>
        </Table.Td>
        <Table.Td c="dimmed">—</Table.Td>
        <Table.Td c="dimmed" visibleFrom="sm">
          —
        </Table.Td>
        <Table.Td c="dimmed" visibleFrom="sm">
          —
        </Table.Td>
        <Table.Td>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <ActionIcon variant="subtle" aria-label={`Actions for ${entry.name}`}>
                ⋯
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item onClick={() => onDialog({ kind: 'folder-details', prefix: entry.prefix })}>
                Folder details
              </Menu.Item>
              {perms.read && <Menu.Item onClick={() => onZipFolder(entry.prefix)}>Download as zip</Menu.Item>}
              {perms.write && perms.remove && (
                <Menu.Item onClick={() => onDialog({ kind: 'rename', from: entry.prefix })}>Rename</Menu.Item>
              )}
              {perms.remove && (
                <Menu.Item color="red" onClick={() => onDialog({ kind: 'delete-folder', prefix: entry.prefix })}>
                  Delete
                </Menu.Item>
              )}
            </Menu.Dropdown>
          </Menu>
        </Table.Td>
      </Table.Tr>
    );
  }
  return (
    <Table.Tr {...rowProps} data-testid="file-row" data-key={entry.key}>
      {select}
      <Table.Td style={{ wordBreak: 'break-all' }}>
        {perms.read && canPreview(entry.name) ? (
          <Anchor
            component="button"
            type="button"
            ta="left"
            style={{ wordBreak: 'break-all' }}
            onClick={() => onDialog({ kind: 'preview', file: entry })}
          >
            {entry.name}
          </Anchor>
        ) : (
          entry.name
        )}
      </Table.Td>
      <Table.Td>{formatBytes(entry.size)}</Table.Td>
      <Table.Td visibleFrom="sm">{entry.storageClass}</Table.Td>
      <Table.Td visibleFrom="sm">{formatDate(entry.lastModified)}</Table.Td>
      <Table.Td>
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <ActionIcon variant="subtle" aria-label={`Actions for ${entry.name}`}>
              ⋯
            </ActionIcon>
          </Menu.Target>
          <Menu.Dropdown>
            {perms.read && canPreview(entry.name) && (
              <Menu.Item onClick={() => onDialog({ kind: 'preview', file: entry })}>Preview</Menu.Item>
            )}
            {perms.read && <DownloadItem bucket={bucket} region={region} fileKey={entry.key} />}
            {perms.read && (
              <Menu.Item onClick={() => onDialog({ kind: 'share', file: entry })}>Copy share link</Menu.Item>
            )}
            <Menu.Item onClick={() => onDialog({ kind: 'details', file: entry })}>Details</Menu.Item>
            {perms.write && perms.remove && (
              <Menu.Item onClick={() => onDialog({ kind: 'rename', from: entry.key })}>Rename</Menu.Item>
            )}
            {perms.remove && (
              <Menu.Item color="red" onClick={() => onDialog({ kind: 'delete-file', file: entry })}>
                Delete
              </Menu.Item>
            )}
          </Menu.Dropdown>
        </Menu>
      </Table.Td>
    </Table.Tr>
  );
});

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { cos } from '../../api/session.js';

export interface FolderEntry {
  kind: 'folder';
  prefix: string;
  name: string;
}
export interface FileEntry {
  kind: 'file';
  key: string;
  name: string;
  size: number;
  lastModified: string;
  storageClass: string;
  etag: string;
}
export type Entry = FolderEntry | FileEntry;

/** What every dialog about one object is given. */
export interface ObjectModalProps {
  bucket: string;
  region: string;
  file: FileEntry;
  onClose: () => void;
}

/** What every dialog about one folder is given. */
export interface FolderModalProps {
  bucket: string;
  region: string;
  prefix: string;
  onClose: () => void;
}

export interface ListPage {
  entries: Entry[];
  nextMarker?: string;
}

/** The last path segment of a key or prefix ("a/b/" → "b/", "a/b.txt" → "b.txt"). */
export function baseName(key: string, folder: string): string {
  return key.slice(folder.length);
}

/** A COS copy source for `key` in `bucket`: the key percent-encoded, '/' kept. */
export function copySource(bucket: string, region: string, key: string): string {
  return `${bucket}.cos.${region}.myqcloud.com/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * One page of a folder: GET Bucket with Delimiter '/', so a folder of a million keys costs one request
 * of `pageSize` entries (folders are the CommonPrefixes: as the COS API FAQ says,
 * — zero-byte keys ending in '/' that consoles show as folders).
 */
export function useObjectPage(
  bucket: string,
  region: string,
  folder: string,
  search: string,
  marker: string | undefined,
  pageSize: number,
) {
  return useQuery({
    queryKey: ['objects', bucket, folder, search, marker ?? '', pageSize],
    placeholderData: keepPreviousData,
    queryFn: async (): Promise<ListPage> => {
      const page = await cos().getBucket({
        Bucket: bucket,
        Region: region,
        Prefix: folder + search,
        Delimiter: '/',
        MaxKeys: pageSize,
        ...(marker ? { Marker: marker } : {}),
      });
      const prefixes = (page.CommonPrefixes ?? []) as { Prefix: string }[];
      const entries: Entry[] = [
        ...prefixes.map((p): FolderEntry => ({ kind: 'folder', prefix: p.Prefix, name: baseName(p.Prefix, folder) })),
        ...(page.Contents ?? [])
          .filter((c) => c.Key !== folder)
          .map(
            (c): FileEntry => ({
              kind: 'file',
              key: c.Key,
              name: baseName(c.Key, folder),
              size: Number(c.Size),
              lastModified: c.LastModified,
              storageClass: c.StorageClass ?? 'STANDARD',
              etag: c.ETag,
            }),
          ),
      ];
      const last = [...(page.Contents ?? []).map((c) => c.Key), ...prefixes.map((p) => p.Prefix)].sort().at(-1);
      return { entries, ...(page.IsTruncated === 'true' ? { nextMarker: page.NextMarker || last } : {}) };
    },
  });
}

export function useInvalidateObjects(bucket: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ['objects', bucket] });
}

/** A folder is a zero-byte object whose key ends in '/'. */
export function useCreateFolder(bucket: string, region: string) {
  const invalidate = useInvalidateObjects(bucket);
  return useMutation({
    mutationFn: (key: string) => cos().putObject({ Bucket: bucket, Region: region, Key: key, Body: '' }),
    onSuccess: invalidate,
  });
}

/** Every key under `prefix`, a page of 1,000 at a time (for delete and rename, which must touch each). */
export async function* keysUnder(bucket: string, region: string, prefix: string, signal: AbortSignal) {
  let marker: string | undefined;
  for (;;) {
    if (signal.aborted) throw new DOMException('Cancelled', 'AbortError');
    const page = await cos().getBucket({
      Bucket: bucket,
      Region: region,
      Prefix: prefix,
      MaxKeys: 1000,
      ...(marker ? { Marker: marker } : {}),
    });
    const contents = page.Contents ?? [];
    yield contents.map((c) => ({ key: c.Key, size: Number(c.Size) }));
    marker = page.NextMarker || contents.at(-1)?.Key;
    if (page.IsTruncated !== 'true' || !marker) return;
  }
}

export interface Progress {
  done: number;
  total: number;
}

/** Deletes every key under `prefix` (the folder marker too), 1,000 per DeleteMultipleObject request. */
export async function deletePrefix(
  bucket: string,
  region: string,
  prefix: string,
  total: number,
  onProgress: (p: Progress) => void,
  signal: AbortSignal,
) {
  let done = 0;
  for await (const keys of keysUnder(bucket, region, prefix, signal)) {
    if (keys.length === 0) break;
    if (signal.aborted) throw new DOMException('Cancelled', 'AbortError');
    const result = await cos().deleteMultipleObject({
      Bucket: bucket,
      Region: region,
      Objects: keys.map((k) => ({ Key: k.key })),
      Quiet: true,
    });
    const failed = (result as { Error?: { Key: string; Code: string; Message: string }[] }).Error ?? [];
    if (failed.length > 0) {
      const first = failed[0]!;
      throw Object.assign(new Error(`${failed.length} keys were not deleted; first ${first.Key}: ${first.Message}`), {
        code: first.Code,
      });
    }
    done += keys.length;
    onProgress({ done, total: Math.max(total, done) });
  }
}

/**
 * Rename or move: COS has no rename, so each key is copied to its new name and the old one deleted
 * (the COS API FAQ: "rename by copy").
 */
export async function movePrefix(
  bucket: string,
  region: string,
  from: string,
  to: string,
  total: number,
  onProgress: (p: Progress) => void,
  signal: AbortSignal,
) {
  if (!from.endsWith('/')) {
    // One object: its key is a prefix of other keys too ("a.txt" of "a.txt.bak"), so no listing.
    await cos().putObjectCopy({
      Bucket: bucket,
      Region: region,
      Key: to,
      CopySource: copySource(bucket, region, from),
    });
    await cos().deleteObject({ Bucket: bucket, Region: region, Key: from });
    onProgress({ done: 1, total: 1 });
    return;
  }
  let done = 0;
  // Copy everything first, then delete: a cancelled move leaves both names, never neither.
  const moved: string[] = [];
  for await (const keys of keysUnder(bucket, region, from, signal)) {
    for (const { key } of keys) {
      if (signal.aborted) throw new DOMException('Cancelled', 'AbortError');
      await cos().putObjectCopy({
        Bucket: bucket,
        Region: region,
        Key: to + key.slice(from.length),
        CopySource: copySource(bucket, region, key),
      });
      moved.push(key);
      done++;
      onProgress({ done, total: Math.max(total, done) });
    }
  }
  for (let i = 0; i < moved.length; i += 1000) {
    await cos().deleteMultipleObject({
      Bucket: bucket,
      Region: region,
      Objects: moved.slice(i, i + 1000).map((Key) => ({ Key })),
      Quiet: true,
    });
  }
}

/** A presigned GET URL (the session's token rides in the query), `expiresS` seconds long. */
export function shareUrl(
  bucket: string,
  region: string,
  key: string,
  expiresS: number,
  download = false,
  versionId?: string,
): string {
  const query: Record<string, string> = {};
  if (download)
    query['response-content-disposition'] =
      `attachment; filename*=UTF-8''${encodeURIComponent(key.split('/').at(-1) ?? key)}`;
  if (versionId) query.versionId = versionId;
  return cos().getObjectUrl({ Bucket: bucket, Region: region, Key: key, Expires: expiresS, Query: query }) as string;
}

export function useObjectHead(bucket: string, region: string, key: string | undefined) {
  return useQuery({
    queryKey: ['head', bucket, key],
    enabled: key !== undefined,
    queryFn: () => cos().headObject({ Bucket: bucket, Region: region, Key: key! }),
  });
}

export function useDeleteObject(bucket: string, region: string) {
  const invalidate = useInvalidateObjects(bucket);
  return useMutation({
    mutationFn: (key: string) => cos().deleteObject({ Bucket: bucket, Region: region, Key: key }),
    onSuccess: invalidate,
  });
}

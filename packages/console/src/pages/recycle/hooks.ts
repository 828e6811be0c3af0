import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { toApiError } from '../../api/errors.js';
import { bucketRequest } from '../../api/session.js';

/** One entry of the bin (docs/recycle-bin.md, `GET /<bucket>?recycled`). */
export interface RecycledEntry {
  id: number;
  key: string;
  versionId: string;
  size: number;
  deletedAt: string;
  deletedBy: string;
  purgeAt: string;
}

export interface RecycledPage {
  entries: RecycledEntry[];
  nextMarker?: string;
}

function text(el: Element, name: string): string {
  return el.getElementsByTagName(name)[0]?.textContent ?? '';
}

function parseXml(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'application/xml');
}

/** The bin's setting: retention days, or undefined when it is off. */
export function useRecycleSetting(bucket: string, enabled: boolean) {
  return useQuery({
    queryKey: ['recycle', bucket, 'setting'],
    enabled,
    queryFn: async () => {
      const doc = parseXml(await bucketRequest('GET', bucket, { recycle: '' }));
      const on = text(doc.documentElement, 'Status') === 'Enabled';
      return on ? Number(text(doc.documentElement, 'Days')) : null;
    },
  });
}

export function useSaveRecycleSetting(bucket: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (days: number | null) =>
      days === null
        ? bucketRequest('DELETE', bucket, { recycle: '' })
        : bucketRequest(
            'PUT',
            bucket,
            { recycle: '' },
            {
              body: `<RecycleConfiguration><Status>Enabled</Status><Days>${days}</Days></RecycleConfiguration>`,
            },
          ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['recycle', bucket, 'setting'] }),
  });
}

/** One page of the bin under `prefix`, in key order. */
export function useRecycled(bucket: string, prefix: string, marker: string | undefined, enabled: boolean) {
  return useQuery({
    queryKey: ['recycle', bucket, 'entries', prefix, marker ?? ''],
    enabled,
    placeholderData: keepPreviousData,
    queryFn: async (): Promise<RecycledPage> => {
      const doc = parseXml(
        await bucketRequest('GET', bucket, {
          recycled: '',
          'max-keys': '100',
          ...(prefix ? { prefix } : {}),
          ...(marker ? { marker } : {}),
        }),
      );
      const root = doc.documentElement;
      const entries = [...root.getElementsByTagName('Entry')].map((e) => ({
        id: Number(text(e, 'Id')),
        key: text(e, 'Key'),
        versionId: text(e, 'VersionId'),
        size: Number(text(e, 'Size')),
        deletedAt: text(e, 'DeletedAt'),
        deletedBy: text(e, 'DeletedBy'),
        purgeAt: text(e, 'PurgeAt'),
      }));
      const truncated = text(root, 'IsTruncated') === 'true';
      const next = [...root.children].find((c) => c.tagName === 'NextMarker')?.textContent ?? undefined;
      return { entries, ...(truncated && next ? { nextMarker: next } : {}) };
    },
  });
}

function invalidateBin(queryClient: ReturnType<typeof useQueryClient>, bucket: string) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: ['recycle', bucket, 'entries'] }),
    queryClient.invalidateQueries({ queryKey: ['objects', bucket] }),
    queryClient.invalidateQueries({ queryKey: ['usage', bucket] }),
  ]);
}

/** Puts an entry back at `toKey` (its own key unless another is given). */
export function useRestoreRecycled(bucket: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { entry: RecycledEntry; toKey?: string }) =>
      bucketRequest(
        'POST',
        bucket,
        { recycled: '', id: String(input.entry.id) },
        { key: input.toKey ?? input.entry.key },
      ),
    onSettled: () => invalidateBin(queryClient, bucket),
  });
}

/** Purges entries now (DELETE ?recycled&id=N each), reporting progress; one already gone is skipped. */
export function usePurgeRecycled(bucket: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: { entries: RecycledEntry[]; onProgress?: (done: number) => void }) => {
      let done = 0;
      for (const entry of input.entries) {
        try {
          await bucketRequest('DELETE', bucket, { recycled: '', id: String(entry.id) });
        } catch (err) {
          if (toApiError(err).code !== 'NoSuchKey') throw err;
        }
        input.onProgress?.(++done);
      }
    },
    onSettled: () => invalidateBin(queryClient, bucket),
  });
}

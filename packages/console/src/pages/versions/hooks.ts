import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { cos } from '../../api/session.js';
import { copySource } from '../files/hooks.js';

export interface VersionRow {
  key: string;
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  size: number;
  lastModified: string;
}

export function useVersioning(bucket: string, region: string) {
  return useQuery({
    queryKey: ['versioning', bucket],
    queryFn: async () =>
      (await cos().getBucketVersioning({ Bucket: bucket, Region: region })).VersioningConfiguration?.Status ?? 'Off',
  });
}

export function useSetVersioning(bucket: string, region: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (status: 'Enabled' | 'Suspended') =>
      cos().putBucketVersioning({ Bucket: bucket, Region: region, VersioningConfiguration: { Status: status } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['versioning', bucket] }),
  });
}

/** One page of versions and delete markers under `prefix` (a key, or a folder), newest first per key. */
export function useVersionPage(
  bucket: string,
  region: string,
  prefix: string,
  marker: { key: string; versionId: string } | undefined,
) {
  return useQuery({
    queryKey: ['versions', bucket, prefix, marker?.key ?? '', marker?.versionId ?? ''],
    placeholderData: keepPreviousData,
    queryFn: async () => {
      const page = await cos().listObjectVersions({
        Bucket: bucket,
        Region: region,
        Prefix: prefix,
        MaxKeys: 200,
        ...(marker ? { KeyMarker: marker.key, VersionIdMarker: marker.versionId } : {}),
      });
      const rows: VersionRow[] = [
        ...(page.Versions ?? []).map((v) => ({
          key: v.Key,
          versionId: v.VersionId,
          isLatest: v.IsLatest === 'true',
          deleteMarker: false,
          size: Number(v.Size ?? 0),
          lastModified: v.LastModified,
        })),
        ...(page.DeleteMarkers ?? []).map((v) => ({
          key: v.Key,
          versionId: v.VersionId,
          isLatest: v.IsLatest === 'true',
          deleteMarker: true,
          size: 0,
          lastModified: v.LastModified,
        })),
      ].sort((a, b) => (a.key === b.key ? b.lastModified.localeCompare(a.lastModified) : a.key.localeCompare(b.key)));
      const next =
        page.IsTruncated === 'true' && page.NextKeyMarker
          ? { key: page.NextKeyMarker, versionId: page.NextVersionIdMarker ?? '' }
          : undefined;
      return { rows, next };
    },
  });
}

function useVersionMutation<T>(bucket: string, fn: (input: T) => Promise<unknown>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['versions', bucket] });
      void queryClient.invalidateQueries({ queryKey: ['objects', bucket] });
    },
  });
}

/** Restore: copy the old version over the current one (a new latest version with its content). */
export function useRestoreVersion(bucket: string, region: string) {
  return useVersionMutation(bucket, (v: VersionRow) =>
    cos().putObjectCopy({
      Bucket: bucket,
      Region: region,
      Key: v.key,
      CopySource: `${copySource(bucket, region, v.key)}?versionId=${encodeURIComponent(v.versionId)}`,
    }),
  );
}

/** Undelete: remove the delete marker, so the version below it is current again. Also: permanent delete of a version. */
export function useDeleteVersion(bucket: string, region: string) {
  return useVersionMutation(bucket, (v: VersionRow) =>
    cos().deleteObject({ Bucket: bucket, Region: region, Key: v.key, VersionId: v.versionId }),
  );
}

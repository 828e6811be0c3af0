import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { cos } from '../../api/session.js';

export interface IncompleteUpload {
  key: string;
  uploadId: string;
  initiated: string;
  storageClass: string;
}

/** All incomplete multipart uploads of the bucket, a page of 1,000 at a time (ListMultipartUploads). */
export function useIncompleteUploads(bucket: string, region: string) {
  return useQuery({
    queryKey: ['uploads', bucket],
    queryFn: async () => {
      const uploads: IncompleteUpload[] = [];
      let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
      for (let i = 0; i < 100; i++) {
        const page = await cos().multipartList({ Bucket: bucket, Region: region, MaxUploads: 1000, ...markers });
        for (const u of page.Upload ?? []) {
          uploads.push({
            key: u.Key,
            uploadId: u.UploadId,
            initiated: u.Initiated ?? '',
            storageClass: u.StorageClass ?? 'STANDARD',
          });
        }
        if (page.IsTruncated !== 'true') break;
        markers = { KeyMarker: page.NextKeyMarker ?? '', UploadIdMarker: page.NextUploadIdMarker ?? '' };
      }
      return uploads;
    },
  });
}

/** Parts and bytes of one upload (ListParts). */
export function useUploadParts(bucket: string, region: string, upload: IncompleteUpload) {
  return useQuery({
    queryKey: ['upload-parts', bucket, upload.uploadId],
    queryFn: async () => {
      let parts = 0;
      let bytes = 0;
      let marker: string | undefined;
      for (let i = 0; i < 20; i++) {
        const page = await cos().multipartListPart({
          Bucket: bucket,
          Region: region,
          Key: upload.key,
          UploadId: upload.uploadId,
          ...(marker ? { PartNumberMarker: marker } : {}),
        });
        for (const p of page.Part ?? []) {
          parts++;
          bytes += Number(p.Size);
        }
        if (page.IsTruncated !== 'true') break;
        marker = page.NextPartNumberMarker;
      }
      return { parts, bytes };
    },
  });
}

export function useAbortUpload(bucket: string, region: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (upload: IncompleteUpload) =>
      cos().multipartAbort({ Bucket: bucket, Region: region, Key: upload.key, UploadId: upload.uploadId }),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['uploads', bucket] });
      void queryClient.invalidateQueries({ queryKey: ['usage', bucket] });
    },
  });
}

/** Aborts every listed upload, one request each; progress per upload. */
export function useClearUploads(bucket: string, region: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({
      uploads,
      onProgress,
    }: {
      uploads: IncompleteUpload[];
      onProgress: (done: number) => void;
    }) => {
      let done = 0;
      for (const u of uploads) {
        await cos().multipartAbort({ Bucket: bucket, Region: region, Key: u.key, UploadId: u.uploadId });
        onProgress(++done);
      }
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['uploads', bucket] });
      void queryClient.invalidateQueries({ queryKey: ['usage', bucket] });
    },
  });
}

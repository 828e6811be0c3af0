import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { fetchWhoami } from '../../api/permissions.js';
import { cos, currentSession } from '../../api/session.js';
import { fetchBucketUsage } from '../../api/usage-source.js';

export interface BucketEntry {
  Name: string;
  Location: string;
  CreationDate: string;
}

export function useBuckets() {
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: ['buckets'],
    queryFn: async () => {
      const all = ((await cos().getService({})).Buckets ?? []) as BucketEntry[];
      if (currentSession()?.isRoot) return all;
      // GET Service lists every bucket of the account; a sub-user sees only those it may open (HeadBucket),
      // from one /-/whoami answer, which also tells the Bucket List what to offer on each.
      const answer = await fetchWhoami(all.map((b) => b.Name));
      const open = all.filter((b) => answer.buckets[b.Name]?.HeadBucket || answer.buckets[b.Name]?.ListObjects);
      queryClient.setQueryData(['whoami', open.map((b) => b.Name).join(',')], answer);
      return open;
    },
  });
}

export function useBucketUsage(bucket: string, enabled = true) {
  // Always fresh on mount: other clients change usage behind the console's back.
  return useQuery({ queryKey: ['usage', bucket], queryFn: () => fetchBucketUsage(bucket), staleTime: 0, enabled });
}

export function useBucketVersioning(bucket: string, region: string, enabled = true) {
  return useQuery({
    queryKey: ['versioning', bucket],
    enabled,
    queryFn: async () =>
      (await cos().getBucketVersioning({ Bucket: bucket, Region: region })).VersioningConfiguration?.Status ?? 'Off',
  });
}

export interface CreateBucketInput {
  bucket: string;
  region: string;
  acl: string;
  versioning: boolean;
  objectLock: boolean;
}

export function useCreateBucket() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: CreateBucketInput) => {
      await cos().putBucket({
        Bucket: input.bucket,
        Region: input.region,
        ACL: input.acl,
        ...(input.objectLock ? { Headers: { 'x-cos-bucket-object-lock-enabled': 'true' } } : {}),
      });
      if (input.versioning || input.objectLock) {
        await cos().putBucketVersioning({
          Bucket: input.bucket,
          Region: input.region,
          VersioningConfiguration: { Status: 'Enabled' },
        });
      }
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['buckets'] }),
  });
}

export function useDeleteBucket() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { bucket: string; region: string }) =>
      cos().deleteBucket({ Bucket: input.bucket, Region: input.region }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['buckets'] }),
    // Refused (BucketNotEmpty): the row's counts must show what is in the way.
    onError: (_err, input) => queryClient.invalidateQueries({ queryKey: ['usage', input.bucket] }),
  });
}

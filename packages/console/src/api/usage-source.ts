/**
 * The one place the console gets sizes and counts from: the server's live usage (`GET /<bucket>?usage`,
 * Coffer's own sub-resource, packages/server/src/api/usage.ts), kept up to date by every write, so a
 * bucket's totals and a folder's size cost one request whatever the bucket holds. It is signed like any
 * COS request, so the root and any sub-user a policy grants `GetBucketUsage` may read it.
 */
import { bucketFetch } from './session.js';

export interface BucketUsage {
  bucket: string;
  objects: { count: number; bytes: number; byStorageClass: Record<string, { count: number; bytes: number }> };
  noncurrentVersions?: { count: number; bytes: number };
  deleteMarkers?: number | { count: number };
  incompleteUploads?: { count: number; bytes: number; parts?: number };
}

export function fetchBucketUsage(bucket: string): Promise<BucketUsage> {
  return bucketFetch<BucketUsage>('GET', bucket, { usage: '' });
}

export interface FolderStats {
  /** Every key under the folder, its zero-byte marker included when there is one. */
  objects: number;
  bytes: number;
  /** False until the server has answered. */
  done: boolean;
}

/**
 * A folder's object count and total size ("folder details",
 * https://intl.cloud.tencent.com/document/product/436/31633), from the server's per-prefix totals.
 */
export async function fetchFolderStats(
  bucket: string,
  _region: string,
  prefix: string,
  onPage: (stats: FolderStats) => void,
  signal: AbortSignal,
): Promise<FolderStats> {
  const answer = await bucketFetch<{ objects: { count: number; bytes: number } }>('GET', bucket, {
    usage: '',
    prefix,
  });
  if (signal.aborted) throw new DOMException('Cancelled', 'AbortError');
  const stats = { objects: answer.objects.count, bytes: answer.objects.bytes, done: true };
  onPage(stats);
  return stats;
}

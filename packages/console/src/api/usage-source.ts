/**
 * The one place the console gets sizes and counts from: the server's live usage (`GET /<bucket>?usage`,
 * Coffer's own sub-resource, packages/server/src/api/usage.ts), kept up to date by every write, so a
 * bucket's totals and a folder's size cost one request whatever the bucket holds. It is signed like any
 * COS request, so the root and any sub-user a policy grants `GetBucketUsage` may read it.
 */
import { adminFetch, bucketFetch } from './session.js';

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

/** GET /-/admin/usage/requests: requests by operation over time (docs/admin-api.md, "Requests over time"). */
export interface RequestSeries {
  bucket: string | null;
  since: string;
  until: string;
  /** Seconds per interval. */
  step: number;
  /** Most requests first. */
  operations: string[];
  intervals: { start: string; requests: Record<string, number>; errors: number }[];
  totals: Record<string, { requests: number; errors: number; bytesIn: number; bytesOut: number }>;
}

/**
 * A bucket's requests by operation over the last `rangeSeconds`, in intervals of `stepSeconds`, from
 * the counts every gateway flushes to the metadata store (an account root's own buckets only).
 */
export function fetchRequestSeries(bucket: string, rangeSeconds: number, stepSeconds: number): Promise<RequestSeries> {
  const since = Math.floor(Date.now() / 1000) - rangeSeconds;
  return adminFetch<RequestSeries>('GET', '/-/admin/usage/requests', {
    query: { bucket, since: String(since), step: String(stepSeconds) },
  });
}

/**
 * The one place the console gets sizes and counts from, so the source can be switched in one spot:
 * bucket totals come from `GET /-/admin/usage?bucket=` (root or the bucket's owner); a folder's count and
 * size are added up from listing pages of 1,000 keys (what the COS console's "folder details" does,
 * https://intl.cloud.tencent.com/document/product/436/31633), cancellable, reporting as it goes.
 * When the server keeps live per-prefix counters (issue #14) only these two functions change.
 */
import { adminFetch, cos } from './session.js';

export interface BucketUsage {
  bucket: string;
  objects: { count: number; bytes: number; byStorageClass: Record<string, { count: number; bytes: number }> };
  noncurrentVersions?: { count: number; bytes: number };
  deleteMarkers?: number | { count: number };
  incompleteUploads?: { count: number; bytes: number; parts?: number };
}

export function fetchBucketUsage(bucket: string): Promise<BucketUsage> {
  return adminFetch<BucketUsage>('GET', '/-/admin/usage', { query: { bucket } });
}

export interface FolderStats {
  objects: number;
  bytes: number;
  /** False while pages are still being read. */
  done: boolean;
}

/** Counts every key under `prefix` (the folder marker itself excluded), a page at a time. */
export async function fetchFolderStats(
  bucket: string,
  region: string,
  prefix: string,
  onPage: (stats: FolderStats) => void,
  signal: AbortSignal,
): Promise<FolderStats> {
  const stats: FolderStats = { objects: 0, bytes: 0, done: false };
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
    for (const entry of page.Contents ?? []) {
      if (entry.Key === prefix) continue;
      stats.objects++;
      stats.bytes += Number(entry.Size);
    }
    const truncated = page.IsTruncated === 'true';
    marker = page.NextMarker || page.Contents?.at(-1)?.Key;
    if (!truncated || !marker) break;
    onPage({ ...stats });
  }
  stats.done = true;
  onPage({ ...stats });
  return stats;
}

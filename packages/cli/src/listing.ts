/** Paging through listings with the sdk: every object under a prefix, folders, uploads, versions. */
import type COS from '@coffer/sdk';

export interface ObjectEntry {
  key: string;
  sizeBytes: number;
  lastModified: string;
  etag: string;
  storageClass: string;
}

/** A page of a listing: whether more follows, and the markers the next request starts from. */
interface Page {
  IsTruncated?: string;
}

/**
 * Every page of a listing, in order: `fetch` asks for one page given the markers `next` took from the page before
 * (none for the first); paging stops at the page that is not truncated, or when `next` finds no marker to go on
 * from (a server that truncates without one would otherwise be asked for the same page forever).
 *
 * One page is read ahead: the request for the next page is sent before the current one is handed out, so a
 * `cp -r` starts on the first 1,000 objects while the next 1,000 are being listed, and never waits on the listing
 * after the first page unless its transfers outrun it.
 */
async function* pages<P extends Page, M extends object>(
  fetch: (markers: M | undefined) => Promise<P>,
  next: (page: P) => M | undefined,
): AsyncGenerator<P> {
  let pending = fetch(undefined);
  for (;;) {
    const page = await pending;
    const markers = page.IsTruncated === 'true' ? next(page) : undefined;
    if (markers !== undefined) {
      pending = fetch(markers);
      // Handled when it is awaited; until then (the consumer still busy with this page) a failure must not count as
      // an unhandled rejection. If the consumer stops early, the page read ahead is dropped.
      pending.catch(() => {});
    }
    yield page;
    if (markers === undefined) return;
  }
}

type ListedObject = { Key: string; Size: string; LastModified: string; ETag: string; StorageClass?: string };

function objectEntry(c: ListedObject): ObjectEntry {
  return {
    key: c.Key,
    sizeBytes: Number(c.Size),
    lastModified: c.LastModified,
    etag: c.ETag,
    storageClass: c.StorageClass ?? 'STANDARD',
  };
}

/** GET Bucket pages under `prefix` (one level with `delimiter`), following NextMarker (or the last key). */
function objectPages(cos: COS, bucket: string, region: string, prefix: string, delimiter?: string) {
  return pages(
    (m: { Marker: string } | undefined) =>
      cos.getBucket({
        Bucket: bucket,
        Region: region,
        Prefix: prefix,
        MaxKeys: 1000,
        ...(delimiter ? { Delimiter: delimiter } : {}),
        ...m,
      }),
    (page) => {
      const marker = page.NextMarker || (delimiter ? undefined : page.Contents?.at(-1)?.Key);
      return marker ? { Marker: marker } : undefined;
    },
  );
}

/** Every object under `prefix` (no delimiter), in key order. */
export async function* listObjects(
  cos: COS,
  bucket: string,
  region: string,
  prefix: string,
): AsyncGenerator<ObjectEntry> {
  for await (const page of objectPages(cos, bucket, region, prefix)) yield* (page.Contents ?? []).map(objectEntry);
}

/** One level under `prefix`: objects and sub-folders (`Delimiter: '/'`). */
export async function listLevel(
  cos: COS,
  bucket: string,
  region: string,
  prefix: string,
): Promise<{ objects: ObjectEntry[]; prefixes: string[] }> {
  const objects: ObjectEntry[] = [];
  const prefixes: string[] = [];
  for await (const page of objectPages(cos, bucket, region, prefix, '/')) {
    for (const c of page.Contents ?? []) objects.push(objectEntry(c));
    for (const p of page.CommonPrefixes ?? []) prefixes.push(p.Prefix);
  }
  return { objects, prefixes };
}

export interface UploadEntry {
  key: string;
  uploadId: string;
  initiated: string;
  storageClass: string;
}

/** Every incomplete multipart upload under `prefix`. */
export async function* listUploads(
  cos: COS,
  bucket: string,
  region: string,
  prefix: string,
): AsyncGenerator<UploadEntry> {
  const all = pages(
    (m: { KeyMarker?: string; UploadIdMarker?: string } | undefined) =>
      cos.multipartList({ Bucket: bucket, Region: region, Prefix: prefix, ...m }),
    (page) =>
      page.NextKeyMarker === undefined
        ? undefined
        : {
            KeyMarker: page.NextKeyMarker,
            ...(page.NextUploadIdMarker ? { UploadIdMarker: page.NextUploadIdMarker } : {}),
          },
  );
  for await (const page of all) {
    for (const u of page.Upload ?? []) {
      yield {
        key: u.Key,
        uploadId: u.UploadId,
        initiated: u.Initiated ?? '',
        storageClass: u.StorageClass ?? 'STANDARD',
      };
    }
  }
}

/** The bytes already uploaded to one incomplete upload (ListParts). */
export async function uploadedBytes(
  cos: COS,
  bucket: string,
  region: string,
  key: string,
  uploadId: string,
): Promise<{ parts: number; sizeBytes: number }> {
  let parts = 0;
  let sizeBytes = 0;
  const all = pages(
    (m: { PartNumberMarker?: string } | undefined) =>
      cos.multipartListPart({ Bucket: bucket, Region: region, Key: key, UploadId: uploadId, ...m }),
    (page) => (page.NextPartNumberMarker ? { PartNumberMarker: page.NextPartNumberMarker } : undefined),
  );
  for await (const page of all) {
    for (const p of page.Part ?? []) {
      parts++;
      sizeBytes += Number(p.Size);
    }
  }
  return { parts, sizeBytes };
}

export interface VersionEntry {
  key: string;
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  sizeBytes: number;
  lastModified: string;
  etag?: string;
}

/** Every version and delete marker under `prefix`, newest first per key. */
export async function* listVersions(
  cos: COS,
  bucket: string,
  region: string,
  prefix: string,
): AsyncGenerator<VersionEntry> {
  const all = pages(
    (m: { KeyMarker?: string; VersionIdMarker?: string } | undefined) =>
      cos.listObjectVersions({ Bucket: bucket, Region: region, Prefix: prefix, ...m }),
    (page) =>
      page.NextKeyMarker === undefined
        ? undefined
        : {
            KeyMarker: page.NextKeyMarker,
            ...(page.NextVersionIdMarker ? { VersionIdMarker: page.NextVersionIdMarker } : {}),
          },
  );
  for await (const page of all) {
    const versions: VersionEntry[] = (page.Versions ?? []).map((v) => ({
      key: v.Key,
      versionId: v.VersionId,
      isLatest: v.IsLatest === 'true',
      deleteMarker: false,
      sizeBytes: Number(v.Size),
      lastModified: v.LastModified,
      etag: v.ETag,
    }));
    const markers: VersionEntry[] = (page.DeleteMarkers ?? []).map((m) => ({
      key: m.Key,
      versionId: m.VersionId,
      isLatest: m.IsLatest === 'true',
      deleteMarker: true,
      sizeBytes: 0,
      lastModified: m.LastModified,
    }));
    const both = [...versions, ...markers];
    both.sort((a, b) => (a.key === b.key ? b.lastModified.localeCompare(a.lastModified) : a.key < b.key ? -1 : 1));
    yield* both;
  }
}

/** Deletes keys (with optional versions) 1,000 per DeleteObjects request; returns the count and the errors. */
export async function deleteBatched(
  cos: COS,
  bucket: string,
  region: string,
  objects: AsyncIterable<{ Key: string; VersionId?: string }> | Iterable<{ Key: string; VersionId?: string }>,
  onBatch?: (deleted: number) => void,
): Promise<{ deleted: number; errors: { key: string; code: string; message: string }[] }> {
  let batch: { Key: string; VersionId?: string }[] = [];
  let deleted = 0;
  const errors: { key: string; code: string; message: string }[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const res = await cos.deleteMultipleObject({ Bucket: bucket, Region: region, Objects: batch, Quiet: true });
    const failed = res.Error ?? [];
    for (const e of failed) errors.push({ key: e.Key, code: e.Code, message: e.Message });
    deleted += batch.length - failed.length;
    onBatch?.(deleted);
    batch = [];
  };
  for await (const o of objects) {
    batch.push(o);
    if (batch.length === 1000) await flush();
  }
  await flush();
  return { deleted, errors };
}

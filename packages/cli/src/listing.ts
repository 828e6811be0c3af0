/** Paging through listings with the sdk: every object under a prefix, folders, uploads, versions. */
import type COS from '@coffer/sdk';

export interface ObjectEntry {
  key: string;
  sizeBytes: number;
  lastModified: string;
  etag: string;
  storageClass: string;
}

/** Every object under `prefix` (no delimiter), in key order. */
export async function* listObjects(
  cos: COS,
  bucket: string,
  region: string,
  prefix: string,
): AsyncGenerator<ObjectEntry> {
  let marker: string | undefined;
  for (;;) {
    const page = await cos.getBucket({
      Bucket: bucket,
      Region: region,
      Prefix: prefix,
      MaxKeys: 1000,
      ...(marker ? { Marker: marker } : {}),
    });
    for (const c of page.Contents ?? []) {
      yield {
        key: c.Key,
        sizeBytes: Number(c.Size),
        lastModified: c.LastModified,
        etag: c.ETag,
        storageClass: c.StorageClass ?? 'STANDARD',
      };
    }
    if (page.IsTruncated !== 'true') return;
    marker = page.NextMarker || page.Contents?.at(-1)?.Key;
    if (!marker) return;
  }
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
  let marker: string | undefined;
  for (;;) {
    const page = await cos.getBucket({
      Bucket: bucket,
      Region: region,
      Prefix: prefix,
      Delimiter: '/',
      MaxKeys: 1000,
      ...(marker ? { Marker: marker } : {}),
    });
    for (const c of page.Contents ?? []) {
      objects.push({
        key: c.Key,
        sizeBytes: Number(c.Size),
        lastModified: c.LastModified,
        etag: c.ETag,
        storageClass: c.StorageClass ?? 'STANDARD',
      });
    }
    for (const p of page.CommonPrefixes ?? []) prefixes.push(p.Prefix);
    if (page.IsTruncated !== 'true') return { objects, prefixes };
    marker = page.NextMarker;
    if (!marker) return { objects, prefixes };
  }
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
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await cos.multipartList({
      Bucket: bucket,
      Region: region,
      Prefix: prefix,
      ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
      ...(uploadIdMarker !== undefined ? { UploadIdMarker: uploadIdMarker } : {}),
    });
    for (const u of page.Upload ?? []) {
      yield {
        key: u.Key,
        uploadId: u.UploadId,
        initiated: u.Initiated ?? '',
        storageClass: u.StorageClass ?? 'STANDARD',
      };
    }
    if (page.IsTruncated !== 'true') return;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
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
  let marker: string | undefined;
  for (;;) {
    const page = await cos.multipartListPart({
      Bucket: bucket,
      Region: region,
      Key: key,
      UploadId: uploadId,
      ...(marker ? { PartNumberMarker: marker } : {}),
    });
    for (const p of page.Part ?? []) {
      parts++;
      sizeBytes += Number(p.Size);
    }
    if (page.IsTruncated !== 'true') return { parts, sizeBytes };
    marker = page.NextPartNumberMarker;
  }
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
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await cos.listObjectVersions({
      Bucket: bucket,
      Region: region,
      Prefix: prefix,
      ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
      ...(versionIdMarker !== undefined ? { VersionIdMarker: versionIdMarker } : {}),
    });
    const all: VersionEntry[] = [];
    for (const v of page.Versions ?? []) {
      all.push({
        key: v.Key,
        versionId: v.VersionId,
        isLatest: v.IsLatest === 'true',
        deleteMarker: false,
        sizeBytes: Number(v.Size),
        lastModified: v.LastModified,
        etag: v.ETag,
      });
    }
    for (const m of page.DeleteMarkers ?? []) {
      all.push({
        key: m.Key,
        versionId: m.VersionId,
        isLatest: m.IsLatest === 'true',
        deleteMarker: true,
        sizeBytes: 0,
        lastModified: m.LastModified,
      });
    }
    all.sort((a, b) => (a.key === b.key ? b.lastModified.localeCompare(a.lastModified) : a.key < b.key ? -1 : 1));
    yield* all;
    if (page.IsTruncated !== 'true') return;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
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

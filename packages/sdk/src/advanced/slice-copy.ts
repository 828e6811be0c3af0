/**
 * sliceCopyFile ("Copying an Object" in https://intl.cloud.tencent.com/document/product/436/31710): HEAD the source;
 * up to SliceSize one
 * PUT Object - Copy; above it a multipart upload whose parts are Upload Part - Copy ranges of ChunkSize, with the
 * source's content headers and metadata carried over unless MetadataDirective is Replaced.
 */
import { type Formatted, formatParams } from '../api/define.js';
import { multipartComplete, multipartInit, uploadPartCopy } from '../api/multipart.js';
import { type PutObjectCopyResult, putObjectCopy } from '../api/object.js';
import { parseCopySource } from '../api/shared.js';
import type { ClientCore } from '../core.js';
import { invalidParameter, S3ServiceError } from '../errors.js';
import { throttleProgress } from '../progress.js';
import { submitRequest } from '../request.js';
import type { GeneralResult, ObjectParams, ProgressCallback } from '../types.js';
import { autoChunkSize, runPool } from './pool.js';

export interface SliceCopyFileParams extends ObjectParams {
  /** `<bucket-appid>.cos.<region>.myqcloud.com/<key>[?versionId=…]`. */
  CopySource: string;
  /** Part size of the multipart copy (default CopyChunkSize, 10 MiB). */
  ChunkSize?: number;
  /** Objects up to this size are copied in one request (default CopySliceSize, 10 MiB). */
  SliceSize?: number;
  /** Tencent Node names of the same two settings. */
  CopyChunkSize?: number;
  CopySliceSize?: number;
  MetadataDirective?: string;
  StorageClass?: string;
  onProgress?: ProgressCallback;
  [header: `x-cos-${string}`]: string | undefined;
}

export interface SliceCopyFileResult extends GeneralResult {
  ETag: string;
  Location?: string;
  Bucket?: string;
  Key?: string;
  LastModified?: string;
}

export async function sliceCopyFile(
  core: ClientCore,
  params: Formatted<SliceCopyFileParams>,
): Promise<SliceCopyFileResult> {
  const o = core.options;
  const source = parseCopySource(params.CopySource, o.CopySourceParser);
  const sourceKey = decodeURIComponent(source.Key.replace(/\?versionId=.*$/, ''));
  const sliceBytes = Math.max(0, params.SliceSize ?? params.CopySliceSize ?? o.CopySliceSize);
  let chunkBytes = params.ChunkSize || params.CopyChunkSize || o.CopyChunkSize;

  let head: { headers: Record<string, string> };
  try {
    head = await submitRequest(core, {
      action: 'name/cos:HeadObject',
      method: 'HEAD',
      bucket: source.Bucket,
      region: source.Region,
      key: sourceKey,
    });
  } catch (err) {
    if (err instanceof S3ServiceError && err.statusCode === 404) err.ErrorStatus = `${sourceKey} Not Exist`;
    throw err;
  }
  const size = Number(head.headers['content-length']);
  if (!size) {
    throw invalidParameter('get Content-Length error, please add "Content-Length" to CORS ExposeHeader setting.');
  }
  const report = throttleProgress(o.ProgressInterval, size, params.onProgress);

  if (size <= sliceBytes) {
    const headers = { ...params.Headers };
    if (!headers['x-cos-metadata-directive']) headers['x-cos-metadata-directive'] = 'Copy';
    try {
      const copied: PutObjectCopyResult = await putObjectCopy(core, { ...params, Headers: headers });
      report({ loaded: size, total: size }, true);
      return copied;
    } catch (err) {
      report(undefined, true);
      throw err;
    }
  }

  chunkBytes = Math.max(chunkBytes, autoChunkSize(size, o.MaxPartNumber));
  const sourceHeaders: Record<string, string | undefined> = {
    'Cache-Control': head.headers['cache-control'],
    'Content-Disposition': head.headers['content-disposition'],
    'Content-Encoding': head.headers['content-encoding'],
    'Content-Type': head.headers['content-type'],
    Expires: head.headers.expires,
    'x-cos-storage-class': head.headers['x-cos-storage-class'],
  };
  for (const [name, value] of Object.entries(head.headers)) {
    if (name.startsWith('x-cos-meta-') && name.length > 'x-cos-meta-'.length) sourceHeaders[name] = value;
  }
  const storageClass = sourceHeaders['x-cos-storage-class'];
  if (storageClass === 'ARCHIVE' || storageClass === 'DEEP_ARCHIVE') {
    const restore = head.headers['x-cos-restore'];
    if (!restore || restore === 'ongoing-request="true"') {
      throw invalidParameter('Unrestored archive object is not allowed to be copied');
    }
  }
  const target: Record<string, unknown> =
    params.Headers['x-cos-metadata-directive'] === 'Replaced' ? { ...params.Headers } : { ...sourceHeaders };
  target['x-cos-storage-class'] = params.Headers['x-cos-storage-class'] ?? sourceHeaders['x-cos-storage-class'];
  for (const name of [
    'x-cos-copy-source',
    'x-cos-metadata-directive',
    'x-cos-copy-source-If-Modified-Since',
    'x-cos-copy-source-If-Unmodified-Since',
    'x-cos-copy-source-If-Match',
    'x-cos-copy-source-If-None-Match',
  ]) {
    delete target[name];
  }
  for (const [name, value] of Object.entries(target)) if (value === undefined) delete target[name];

  const init = await multipartInit(
    core,
    formatParams({
      Bucket: params.Bucket,
      Region: params.Region,
      Key: params.Key,
      Headers: target as Record<string, string>,
    }),
  );
  const partCount = Math.ceil(size / chunkBytes);
  const etags: string[] = [];
  let copied = 0;
  let nextPart = 1;
  try {
    await runPool(o.CopyChunkParallelLimit, () => {
      if (nextPart > partCount) return undefined;
      const n = nextPart++;
      const start = (n - 1) * chunkBytes;
      const end = Math.min(n * chunkBytes, size) - 1;
      return async () => {
        const res = await uploadPartCopy(
          core,
          formatParams({
            Bucket: params.Bucket,
            Region: params.Region,
            Key: params.Key,
            UploadId: init.UploadId,
            PartNumber: n,
            CopySource: params.CopySource,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        etags[n - 1] = res.ETag;
        copied += end - start + 1;
        report({ loaded: copied, total: size });
      };
    });
    const completed = await multipartComplete(
      core,
      formatParams({
        Bucket: params.Bucket,
        Region: params.Region,
        Key: params.Key,
        UploadId: init.UploadId,
        Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })),
      }),
    );
    report({ loaded: size, total: size }, true);
    return completed;
  } catch (err) {
    report(undefined, true);
    throw err;
  }
}

/**
 * downloadFile (Tencent's Node SDK, advance.js): HEAD the object; up to ChunkSize one GET into the file; above
 * it ranged GETs of ChunkSize, ParallelLimit at a time, each written at its offset. Every ranged GET carries
 * `If-Match` with the ETag the HEAD saw, so an object replaced mid-download fails with ObjectHasChanged instead
 * of leaving a file stitched from two versions (Tencent's SDK compares sizes and CRC-64s after the fact).
 */
import { type Formatted, formatParams } from '../api/define.js';
import { type GetObjectParams, type GetObjectResult, getObject, headObject } from '../api/object.js';
import type { ClientCore } from '../core.js';
import { invalidParameter, S3ServiceError } from '../errors.js';
import { throttleProgress } from '../progress.js';
import type { ObjectParams, ProgressCallback } from '../types.js';
import { autoChunkSize, runPool } from './pool.js';

export interface DownloadFileParams extends ObjectParams {
  /** Where the object goes (created, or emptied first). */
  FilePath: string;
  /** Range size for large objects, and the size up to which one GET is used (default 1 MiB). */
  ChunkSize?: number;
  /** Ranged GETs at a time (default 5). */
  ParallelLimit?: number;
  /** Attempts per range (default 3). */
  RetryTimes?: number;
  VersionId?: string;
  onProgress?: ProgressCallback;
}

export type DownloadFileResult = GetObjectResult;

/** An error of the kind Tencent's downloadFile reports (code, message, statusCode). */
function downloadError(code: string, message: string, statusCode?: number): S3ServiceError {
  const err = invalidParameter(message);
  return Object.assign(err, { code, ...(statusCode !== undefined ? { statusCode } : {}) }) as S3ServiceError;
}

export async function downloadFile(
  core: ClientCore,
  params: Formatted<DownloadFileParams>,
): Promise<DownloadFileResult> {
  const platform = core.platform;
  if (!platform.createFile || !platform.fileWriter) {
    throw invalidParameter('downloadFile writes to the file system: it needs Node.js');
  }
  if (!params.FilePath) throw invalidParameter('missing param FilePath');
  const chunkOption = params.ChunkSize || 1024 * 1024;
  const parallel = Math.max(1, params.ParallelLimit || 5);
  const retries = Math.max(1, params.RetryTimes || 3);
  const head = await headObject(
    core,
    formatParams({
      Bucket: params.Bucket,
      Region: params.Region,
      Key: params.Key,
      Headers: params.Headers,
      ...(params.VersionId !== undefined ? { VersionId: params.VersionId } : {}),
    }),
  );
  const size = Number(head.headers['content-length']);
  if (!Number.isFinite(size)) {
    throw invalidParameter('get Content-Length error, please add "Content-Length" to CORS ExposeHeader setting.');
  }
  const storageClass = head.headers['x-cos-storage-class'] ?? '';
  const restore = head.headers['x-cos-restore'] ?? '';
  if (['ARCHIVE', 'DEEP_ARCHIVE'].includes(storageClass) && (!restore || restore === 'ongoing-request="true"')) {
    throw downloadError(
      'CannotDownload',
      'Archive object can not download, please restore to Standard storage class.',
      403,
    );
  }
  const etag = head.headers.etag;
  const report = throttleProgress(core.options.ProgressInterval, size, params.onProgress);
  const get = (extra: Record<string, string>, output: unknown, onLoaded?: (loaded: number) => void) =>
    getObject(
      core,
      formatParams({
        Bucket: params.Bucket,
        Region: params.Region,
        Key: params.Key,
        ...(params.VersionId !== undefined ? { VersionId: params.VersionId } : {}),
        Headers: { ...params.Headers, ...(etag ? { 'If-Match': etag } : {}), ...extra },
        Output: output as GetObjectParams['Output'],
        ...(onLoaded ? { onProgress: (info: { loaded: number }) => onLoaded(info.loaded) } : {}),
      }),
    ).catch((err: unknown) => {
      if (err instanceof S3ServiceError && err.statusCode === 412) {
        throw downloadError('ObjectHasChanged', 'download error, the object changed during the download.', 412);
      }
      throw err;
    });

  await platform.createFile(params.FilePath);
  report({ loaded: 0, total: size }, true);
  try {
    if (size <= chunkOption) {
      const data = await get({}, platform.fileWriter(params.FilePath, 0), (loaded) => report({ loaded, total: size }));
      report({ loaded: size, total: size }, true);
      return data;
    }
    const chunk = Math.max(chunkOption, autoChunkSize(size, core.options.MaxPartNumber));
    const loadedBy = new Map<number, number>();
    let finished = 0;
    let next = 0;
    let last: GetObjectResult | undefined;
    const count = Math.ceil(size / chunk);
    await runPool(parallel, () => {
      if (next >= count) return undefined;
      const index = next++;
      const start = index * chunk;
      const end = Math.min(size, start + chunk) - 1;
      return async () => {
        for (let attempt = 1; ; attempt++) {
          loadedBy.set(index, 0);
          try {
            const data = await get(
              { Range: `bytes=${start}-${end}` },
              platform.fileWriter!(params.FilePath, start),
              (loaded) => {
                loadedBy.set(index, loaded);
                report({ loaded: finished + [...loadedBy.values()].reduce((a, b) => a + b, 0), total: size });
              },
            );
            loadedBy.delete(index);
            finished += end - start + 1;
            if (index === count - 1) last = data;
            report({ loaded: finished + [...loadedBy.values()].reduce((a, b) => a + b, 0), total: size });
            return;
          } catch (err) {
            loadedBy.delete(index);
            const fatal = err instanceof S3ServiceError && err.statusCode !== undefined && err.statusCode < 500;
            if (fatal || attempt >= retries) throw err;
          }
        }
      };
    });
    report({ loaded: size, total: size }, true);
    return last!;
  } catch (err) {
    report(undefined, true);
    throw err;
  }
}

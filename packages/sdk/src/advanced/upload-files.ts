/**
 * uploadFile / uploadFiles ("Batch Upload" in https://intl.cloud.tencent.com/document/product/436/31710): each file
 * goes through the upload queue as putObject when
 * it is at most SliceSize bytes, else as sliceUploadFile; uploadFiles adds up the progress of all files and reports
 * each file as it finishes.
 */
import { checkParams, type Formatted, formatParams, formatResult } from '../api/define.js';
import { type PutObjectParams, type PutObjectResult, putObject } from '../api/object.js';
import type { ClientCore } from '../core.js';
import { invalidParameter, type S3ServiceError } from '../errors.js';
import { throttleProgress } from '../progress.js';
import type { ProgressCallback } from '../types.js';
import { type SliceUploadFileParams, type SliceUploadFileResult, sliceUploadFile } from './slice-upload.js';

export type UploadFileParams = SliceUploadFileParams & {
  /** The file's own completion callback. */
  onFileFinish?: (err: S3ServiceError | null, data?: UploadFileResult) => void;
};

export type UploadFileResult = PutObjectResult | SliceUploadFileResult;

export interface UploadFilesParams {
  files: UploadFileParams[];
  /** Files up to this many bytes go in one putObject, larger ones through sliceUploadFile (default 1 MiB). */
  SliceSize?: number;
  /** Progress of all files together. */
  onProgress?: ProgressCallback;
  /** Called as each file finishes; `options` holds the file's scalar parameters plus Index and TaskId. */
  onFileFinish?: (err: S3ServiceError | null, data: UploadFileResult | undefined, options: FileInfo) => void;
}

/** The scalar parameters of a file, plus its position and task id. */
export interface FileInfo {
  Index: number;
  TaskId: string;
  Bucket?: string;
  Region?: string;
  Key?: string;
  [param: string]: unknown;
}

export interface UploadFilesResult {
  files: { options: FileInfo; error: S3ServiceError | null; data: UploadFileResult | undefined }[];
}

/**
 * Queues one file and calls `done` when it settles. Returns its size (so uploadFiles can total them).
 */
async function queueFile(
  core: ClientCore,
  raw: UploadFileParams,
  sliceBytes: number,
  info: FileInfo,
  onLoaded: (loaded: number) => void,
  done: (err: S3ServiceError | null, data: UploadFileResult | undefined) => void,
): Promise<number> {
  const params = formatParams(raw) as Formatted<UploadFileParams>;
  const problem = checkParams(core, 'uploadFile', params);
  if (problem) {
    done(invalidParameter(problem), undefined);
    return 0;
  }
  let size: number;
  try {
    size = (await core.platform.describeBody(params.Body, params.FilePath, params.ContentLength)).sizeBytes ?? 0;
  } catch (err) {
    done(err as S3ServiceError, undefined);
    return 0;
  }
  for (const [name, value] of Object.entries(params)) {
    if (typeof value !== 'object' && typeof value !== 'function') info[name] = value;
  }
  const userReady = params.onTaskReady;
  params.onTaskReady = (id) => {
    info.TaskId = id;
    userReady?.(id);
  };
  const userProgress = params.onProgress;
  params.onProgress = (p) => {
    onLoaded(p.loaded);
    userProgress?.(p);
  };
  const sliced = size > sliceBytes;
  core.tasks.add(
    params,
    async () => size,
    (signal) =>
      (sliced
        ? sliceUploadFile(core, params, signal)
        : putObject(core, params as unknown as Formatted<PutObjectParams>, signal)
      ).then(formatResult),
    (err, data) => {
      params.onFileFinish?.(err, data as UploadFileResult | undefined);
      done(err, data as UploadFileResult | undefined);
    },
  );
  return size;
}

/**
 * uploadFile: one file, putObject or sliceUploadFile by size.
 *
 * @example
 * await uploadFile(core, formatParams({ Bucket, Region, Key: 'a.zip', FilePath: '/tmp/a.zip' }));
 */
export function uploadFile(
  core: ClientCore,
  params: UploadFileParams & { SliceSize?: number },
): Promise<UploadFileResult> {
  return new Promise((resolve, reject) => {
    queueFile(
      core,
      params,
      params.SliceSize ?? core.options.SliceSize,
      { Index: 0, TaskId: '' },
      () => {},
      (err, data) => (err ? reject(err) : resolve(data!)),
    ).catch(reject);
  });
}

/**
 * uploadFiles: many files, one aggregated progress, one callback with every file's outcome.
 *
 * @example
 * const { files } = await uploadFiles(core, { files: [{ Bucket, Region, Key: 'a', Body: 'x' }], SliceSize: 1 << 20 });
 */
export function uploadFiles(core: ClientCore, params: UploadFilesParams): Promise<UploadFilesResult> {
  const sliceBytes = params.SliceSize ?? core.options.SliceSize;
  const files = params.files ?? [];
  const results: UploadFilesResult['files'] = new Array(files.length);
  const loadedByFile = new Array<number>(files.length).fill(0);
  let totalBytes = 0;
  const report = throttleProgress(core.options.ProgressInterval, 0, params.onProgress);
  const reportTotal = () => report({ loaded: loadedByFile.reduce((a, b) => a + b, 0), total: totalBytes });
  return new Promise((resolve) => {
    let unfinished = files.length;
    if (unfinished === 0) {
      resolve({ files: [] });
      return;
    }
    const sizes = files.map((file, index) => {
      const info: FileInfo = { Index: index, TaskId: '' };
      return queueFile(
        core,
        file,
        sliceBytes,
        info,
        (loaded) => {
          loadedByFile[index] = loaded;
          reportTotal();
        },
        (err, data) => {
          report(undefined, true);
          params.onFileFinish?.(err, data, info);
          results[index] = { options: info, error: err, data };
          if (--unfinished <= 0) resolve({ files: results });
        },
      );
    });
    Promise.all(sizes).then((all) => {
      totalBytes = all.reduce((a, b) => a + b, 0);
      reportTotal();
    });
  });
}

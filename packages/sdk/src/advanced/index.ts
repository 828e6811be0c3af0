/**
 * The advanced methods ("Advanced API" in https://intl.cloud.tencent.com/document/product/436/31710): sliceUploadFile,
 * sliceCopyFile, uploadFile, uploadFiles; downloadFile, abortUploadTask.
 */
import { defineApi, defineTaskApi, type Formatted } from '../api/define.js';
import type { ApiMethod } from '../types.js';
import { type AbortUploadTaskParams, type AbortUploadTaskResult, abortUploadTask } from './abort-upload-task.js';
import { type DownloadFileParams, type DownloadFileResult, downloadFile } from './download-file.js';
import { type SliceCopyFileParams, type SliceCopyFileResult, sliceCopyFile } from './slice-copy.js';
import {
  type SliceUploadFileParams,
  type SliceUploadFileResult,
  sliceUploadFile,
  sliceUploadSize,
} from './slice-upload.js';
import {
  type UploadFileParams,
  type UploadFileResult,
  type UploadFilesParams,
  type UploadFilesResult,
  uploadFile,
  uploadFiles,
} from './upload-files.js';

export interface AdvancedMethods {
  /**
   * Uploads in parts, resuming an unfinished upload of the same data (through the upload queue).
   *
   * @example
   * // COS JS SDK docs
   * cos.sliceUploadFile({
   *   Bucket: 'examplebucket-1250000000', Region: 'ap-beijing', Key: '1.zip', Body: file,
   *   onTaskReady: (taskId) => console.log(taskId),
   *   onHashProgress: (progressData) => console.log(JSON.stringify(progressData)),
   *   onProgress: (progressData) => console.log(JSON.stringify(progressData)),
   * }, (err, data) => console.log(err || data));
   */
  sliceUploadFile: ApiMethod<SliceUploadFileParams, SliceUploadFileResult>;
  /**
   * Copies an object, in parts when it is larger than SliceSize.
   *
   * @example
   * // COS JS SDK docs
   * cos.sliceCopyFile({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing', Key: '1.zip',
   *   CopySource: 'test-1250000000.cos.ap-guangzhou.myqcloud.com/2.zip',
   *   onProgress: (progressData) => console.log(JSON.stringify(progressData)) },
   *   (err, data) => console.log(err || data));
   */
  sliceCopyFile: ApiMethod<SliceCopyFileParams, SliceCopyFileResult>;
  /**
   * Uploads one file or body: putObject up to SliceSize, sliceUploadFile above.
   *
   * @example
   * await cos.uploadFile({ Bucket, Region, Key: 'a.zip', FilePath: '/tmp/a.zip', SliceSize: 1024 * 1024 * 5 });
   */
  uploadFile: ApiMethod<UploadFileParams & { SliceSize?: number }, UploadFileResult>;
  /**
   * Uploads several files with one aggregated progress.
   *
   * @example
   * // COS JS SDK docs
   * cos.uploadFiles({
   *   files: [{ Bucket, Region, Key: 'picture.jpg', Body: file1 }, { Bucket, Region, Key: '2.jpg', Body: file2 }],
   *   SliceSize: 1024 * 1024,
   *   onProgress: (info) => console.log(`progress: ${info.percent * 100}%`),
   *   onFileFinish: (err, data, options) => console.log(options.Key + (err ? ' failed' : ' completed')),
   * }, (err, data) => console.log(err || data));
   */
  uploadFiles: ApiMethod<UploadFilesParams, UploadFilesResult>;
  /**
   * Node: downloads an object into a file, in parallel ranges above ChunkSize, each range conditional on the
   * ETag first seen (an object replaced meanwhile fails with ObjectHasChanged).
   *
   * @example
   * await cos.downloadFile({ Bucket, Region, Key: '1.zip', FilePath: '/tmp/1.zip', ChunkSize: 1024 * 1024 * 8,
   *   ParallelLimit: 5, onProgress: (info) => console.log(info.percent) });
   */
  downloadFile: ApiMethod<DownloadFileParams, DownloadFileResult>;
  /**
   * Aborts incomplete multipart uploads: one (Level 'task', with Key and UploadId), every one of a Key ('file'),
   * or every one in the bucket ('bucket').
   *
   * @example
   * const { successList, errorList } = await cos.abortUploadTask({ Bucket, Region, Level: 'bucket' });
   */
  abortUploadTask: ApiMethod<AbortUploadTaskParams, AbortUploadTaskResult>;
}

export const advancedMethods: AdvancedMethods = {
  sliceUploadFile: defineTaskApi('sliceUploadFile', sliceUploadSize, sliceUploadFile),
  sliceCopyFile: defineApi('sliceCopyFile', sliceCopyFile),
  uploadFile: defineApi('uploadFile', (core, p: Formatted<UploadFileParams & { SliceSize?: number }>) =>
    uploadFile(core, p),
  ),
  uploadFiles: defineApi('uploadFiles', (core, p: Formatted<UploadFilesParams>) => uploadFiles(core, p)),
  downloadFile: defineApi('downloadFile', downloadFile),
  abortUploadTask: defineApi('abortUploadTask', abortUploadTask),
};

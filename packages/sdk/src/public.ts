/** What both entry points export besides the COS class itself. */

export type { AdvancedMethods } from './advanced/index.js';
export type { SliceCopyFileParams, SliceCopyFileResult } from './advanced/slice-copy.js';
export type { SliceUploadFileParams, SliceUploadFileResult } from './advanced/slice-upload.js';
export type { FileInfo, UploadFileParams, UploadFilesParams, UploadFilesResult } from './advanced/upload-files.js';
export type { AclMethods, GetAclResult, Grant, PutBucketAclParams, PutObjectAclParams } from './api/acl.js';
export type {
  BucketMethods,
  GetBucketParams,
  GetBucketResult,
  GetServiceParams,
  GetServiceResult,
  ListObjectVersionsParams,
  ListObjectVersionsResult,
  ObjectEntry,
  PutBucketParams,
  PutBucketResult,
} from './api/bucket.js';
export type {
  BucketConfigMethods,
  CorsRule,
  EncryptionRule,
  GetBucketCorsResult,
  GetBucketEncryptionResult,
  GetBucketLifecycleResult,
  GetBucketPolicyResult,
  GetBucketVersioningResult,
  LifecycleRule,
  PutBucketEncryptionParams,
} from './api/bucket-config.js';
export type {
  BucketLoggingInventoryMethods,
  BucketLoggingStatus,
  GetBucketInventoryResult,
  GetBucketLoggingResult,
  InventoryConfiguration,
  InventoryDestination,
  InventoryIdParams,
  ListBucketInventoryParams,
  ListBucketInventoryResult,
  PutBucketInventoryParams,
  PutBucketLoggingParams,
} from './api/bucket-logging-inventory.js';
export type {
  MultipartCompleteParams,
  MultipartCompleteResult,
  MultipartInitParams,
  MultipartInitResult,
  MultipartListPartResult,
  MultipartListResult,
  MultipartMethods,
  MultipartUploadParams,
  MultipartUploadResult,
  UploadPartCopyParams,
} from './api/multipart.js';
export type {
  DeleteMultipleObjectParams,
  DeleteMultipleObjectResult,
  GetObjectParams,
  GetObjectResult,
  HeadObjectParams,
  HeadObjectResult,
  ObjectMethods,
  OptionsObjectParams,
  OptionsObjectResult,
  PutObjectCopyParams,
  PutObjectCopyResult,
  PutObjectParams,
  PutObjectResult,
  RestoreObjectParams,
} from './api/object.js';
export type { GetObjectUrlParams } from './api/object-url.js';
export type { GetAuthorizationParams } from './auth.js';
export type { GetAuthParams } from './client.js';
export { S3ServiceError, SDK_ERROR_CODES } from './errors.js';
export type { CosOptions } from './options.js';
export { DIAGNOSTICS_CHANNELS } from './request.js';
export type { TaskInfo, TaskState } from './task-queue.js';
export type * from './types.js';

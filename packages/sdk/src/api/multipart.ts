/**
 * Multipart uploads (https://intl.cloud.tencent.com/document/product/436/31710): initiate, upload part, copy part,
 * list uploads, list parts, complete,
 * abort. The implementations are exported for sliceUploadFile / sliceCopyFile, which pass an AbortSignal.
 */
import type { ClientCore } from '../core.js';
import type { TransportBody } from '../platform/types.js';
import { submitRequest } from '../request.js';
import type { ApiMethod, GeneralResult, Headers, ObjectParams, Owner, ProgressCallback, UploadBody } from '../types.js';
import { objectUrl } from '../url.js';
import { asArray, jsonToXml } from '../xml.js';
import { configBody } from './bucket-config.js';
import { defineApi, type Formatted } from './define.js';
import { copyScope } from './object.js';
import { child, dataObject, hexToBase64, result } from './shared.js';

export interface MultipartInitParams extends ObjectParams {
  CacheControl?: string;
  ContentDisposition?: string;
  ContentEncoding?: string;
  ContentType?: string;
  Expires?: string;
  ACL?: string;
  GrantRead?: string;
  GrantFullControl?: string;
  StorageClass?: string;
  Query?: Record<string, string>;
  [header: `x-cos-${string}`]: string | undefined;
}

export interface MultipartInitResult extends GeneralResult {
  Bucket: string;
  Key: string;
  UploadId: string;
}

export interface MultipartUploadParams extends ObjectParams {
  UploadId: string;
  PartNumber: number | string;
  Body: UploadBody;
  ContentLength?: number;
  ContentMD5?: string;
  Expect?: string;
  onProgress?: ProgressCallback;
}

export interface MultipartUploadResult extends GeneralResult {
  /** Quoted MD5 of the part. */
  ETag: string;
}

export interface UploadPartCopyParams extends ObjectParams {
  UploadId: string;
  PartNumber: number | string;
  CopySource: string;
  /** bytes=first-last. */
  CopySourceRange?: string;
  CopySourceIfMatch?: string;
  CopySourceIfNoneMatch?: string;
  CopySourceIfModifiedSince?: string;
  CopySourceIfUnmodifiedSince?: string;
}

export interface UploadPartCopyResult extends GeneralResult {
  ETag: string;
  LastModified: string;
  CRC64?: string;
}

export interface MultipartCompleteParams extends ObjectParams {
  UploadId: string;
  Parts: { PartNumber: number | string; ETag: string }[];
}

export interface MultipartCompleteResult extends GeneralResult {
  Location: string;
  Bucket: string;
  Key: string;
  ETag: string;
}

export interface MultipartListParams {
  Bucket: string;
  Region: string;
  Headers?: Headers;
  Prefix?: string;
  Delimiter?: string;
  EncodingType?: string;
  MaxUploads?: number | string;
  KeyMarker?: string;
  UploadIdMarker?: string;
}

export interface UploadEntry {
  Key: string;
  UploadId: string;
  StorageClass?: string;
  Initiator?: Owner;
  Owner?: Owner;
  Initiated?: string;
}

export interface MultipartListResult extends GeneralResult {
  Bucket: string;
  Prefix?: string;
  KeyMarker?: string;
  UploadIdMarker?: string;
  NextKeyMarker?: string;
  NextUploadIdMarker?: string;
  MaxUploads?: string;
  IsTruncated: string;
  Upload: UploadEntry[];
  CommonPrefixes?: unknown;
}

export interface MultipartListPartParams extends ObjectParams {
  UploadId: string;
  EncodingType?: string;
  MaxParts?: number | string;
  PartNumberMarker?: number | string;
}

export interface PartEntry {
  PartNumber: string;
  LastModified: string;
  ETag: string;
  Size: string;
}

export interface MultipartListPartResult extends GeneralResult {
  Bucket: string;
  Key: string;
  UploadId: string;
  Initiator?: Owner;
  Owner?: Owner;
  StorageClass?: string;
  PartNumberMarker?: string;
  NextPartNumberMarker?: string;
  MaxParts?: string;
  IsTruncated: string;
  Part: PartEntry[];
}

export interface MultipartAbortParams extends ObjectParams {
  UploadId: string;
}

export async function multipartInit(
  core: ClientCore,
  params: Formatted<MultipartInitParams & { Body?: unknown }>,
  signal?: AbortSignal,
): Promise<MultipartInitResult> {
  const headers: Record<string, unknown> = { ...params.Headers };
  if (!headers['Cache-Control'] && !headers['cache-control']) headers['Cache-Control'] = '';
  if (!headers['Content-Type'] && !headers['content-type']) {
    headers['Content-Type'] = (params.Body as { type?: string } | undefined)?.type ?? '';
  }
  const res = await submitRequest(core, {
    action: 'name/cos:InitiateMultipartUpload',
    method: 'POST',
    bucket: params.Bucket,
    region: params.Region,
    key: params.Key,
    subresource: 'uploads',
    headers,
    ...(params.Query ? { query: params.Query } : {}),
    ...(signal ? { signal } : {}),
  });
  const data = dataObject(res);
  const init = data.InitiateMultipartUploadResult;
  return result(res, init && typeof init === 'object' ? init : data) as unknown as MultipartInitResult;
}

/** UploadPart with a body the platform already prepared (sliceUploadFile's parts). */
export async function uploadPart(
  core: ClientCore,
  params: {
    Bucket: string;
    Region: string;
    Key: string;
    UploadId: string;
    PartNumber: number;
    body: TransportBody;
    sizeBytes: number;
    contentMd5?: string;
    headers?: Record<string, unknown>;
    signal?: AbortSignal;
    onUploadProgress?: (loadedBytes: number) => void;
    /** Sees the body's chunks as they are sent (sliceUploadFile's CRC-64). */
    onBodyChunk?: (chunk: Uint8Array, offset: number) => void;
    retries?: number;
  },
): Promise<MultipartUploadResult> {
  const res = await submitRequest(core, {
    action: 'name/cos:UploadPart',
    method: 'PUT',
    bucket: params.Bucket,
    region: params.Region,
    key: params.Key,
    query: { partNumber: params.PartNumber, uploadId: params.UploadId },
    headers: { ...params.headers, ...(params.contentMd5 ? { 'Content-MD5': params.contentMd5 } : {}) },
    body: params.body,
    bodySizeBytes: params.sizeBytes,
    bodyContentType: 'application/octet-stream',
    ...(params.signal ? { signal: params.signal } : {}),
    ...(params.onUploadProgress ? { onUploadProgress: params.onUploadProgress } : {}),
    ...(params.onBodyChunk ? { onBodyChunk: params.onBodyChunk } : {}),
    ...(params.retries !== undefined ? { retries: params.retries } : {}),
  });
  return result(res, { ETag: res.headers.etag ?? '' });
}

async function multipartUpload(
  core: ClientCore,
  params: Formatted<MultipartUploadParams>,
): Promise<MultipartUploadResult> {
  const info = await core.platform.describeBody(params.Body, undefined, params.ContentLength);
  const headers: Record<string, unknown> = { ...params.Headers };
  if (core.options.UploadCheckContentMd5 && info.body instanceof Uint8Array && !headers['Content-MD5']) {
    const md5 = core.platform.createMd5();
    md5.update(info.body);
    headers['Content-MD5'] = hexToBase64(md5.hex());
  }
  const total = info.sizeBytes ?? 0;
  let time0 = Date.now();
  let size0 = 0;
  const res = await submitRequest(core, {
    action: 'name/cos:UploadPart',
    method: 'PUT',
    bucket: params.Bucket,
    region: params.Region,
    key: params.Key,
    query: { partNumber: params.PartNumber, uploadId: params.UploadId },
    headers,
    body: info.body,
    ...(info.sizeBytes !== undefined ? { bodySizeBytes: info.sizeBytes } : {}),
    ...(info.contentType ? { bodyContentType: info.contentType } : {}),
    replayable: info.replayable,
    onUploadProgress: (loaded) => {
      const time1 = Date.now();
      const speed = time1 > time0 ? Math.round(((loaded - size0) / ((time1 - time0) / 1000)) * 100) / 100 : 0;
      time0 = time1;
      size0 = loaded;
      params.onProgress?.({ loaded, total, speed, percent: total ? Math.floor((loaded / total) * 100) / 100 : 0 });
    },
  });
  return result(res, { ETag: res.headers.etag ?? '' });
}

export async function uploadPartCopy(
  core: ClientCore,
  params: Formatted<UploadPartCopyParams>,
  signal?: AbortSignal,
): Promise<UploadPartCopyResult> {
  const res = await submitRequest(core, {
    scope: copyScope(core, params),
    method: 'PUT',
    bucket: params.Bucket,
    region: params.Region,
    key: params.Key,
    query: { partNumber: params.PartNumber, uploadId: params.UploadId },
    headers: params.Headers,
    errorIn2xx: true,
    ...(signal ? { signal } : {}),
  });
  return result(res, child(dataObject(res), 'CopyPartResult')) as unknown as UploadPartCopyResult;
}

export async function multipartComplete(
  core: ClientCore,
  params: Formatted<MultipartCompleteParams>,
  signal?: AbortSignal,
): Promise<MultipartCompleteResult> {
  const parts = params.Parts.map((p) => ({
    PartNumber: p.PartNumber,
    ETag: p.ETag.startsWith('"') ? p.ETag : `"${p.ETag}"`,
  }));
  const xml = jsonToXml('CompleteMultipartUpload', { Part: parts });
  const res = await submitRequest(core, {
    action: 'name/cos:CompleteMultipartUpload',
    method: 'POST',
    bucket: params.Bucket,
    region: params.Region,
    key: params.Key,
    query: { uploadId: params.UploadId },
    errorIn2xx: true,
    ...configBody(core, xml, 'application/xml', params.Headers),
    ...(signal ? { signal } : {}),
  });
  const location = objectUrl(
    core.options,
    core.platform.defaultProtocol(),
    params.Bucket,
    params.Region,
    params.Key,
    true,
  );
  return result(res, {
    ...child(dataObject(res), 'CompleteMultipartUploadResult'),
    Location: location,
  }) as unknown as MultipartCompleteResult;
}

export async function multipartList(
  core: ClientCore,
  params: Formatted<MultipartListParams>,
  signal?: AbortSignal,
): Promise<MultipartListResult> {
  const res = await submitRequest(core, {
    action: 'name/cos:ListMultipartUploads',
    method: 'GET',
    bucket: params.Bucket,
    region: params.Region,
    headers: params.Headers,
    subresource: 'uploads',
    query: {
      delimiter: params.Delimiter,
      'encoding-type': params.EncodingType,
      prefix: params.Prefix || '',
      'max-uploads': params.MaxUploads,
      'key-marker': params.KeyMarker,
      'upload-id-marker': params.UploadIdMarker,
    },
    ...(signal ? { signal } : {}),
  });
  const list = child(dataObject(res), 'ListMultipartUploadsResult');
  return result(res, { ...list, Upload: asArray(list.Upload) }) as unknown as MultipartListResult;
}

export async function multipartListPart(
  core: ClientCore,
  params: Formatted<MultipartListPartParams>,
  signal?: AbortSignal,
): Promise<MultipartListPartResult> {
  const res = await submitRequest(core, {
    action: 'name/cos:ListParts',
    method: 'GET',
    bucket: params.Bucket,
    region: params.Region,
    key: params.Key,
    headers: params.Headers,
    query: {
      uploadId: params.UploadId,
      'encoding-type': params.EncodingType,
      'max-parts': params.MaxParts,
      'part-number-marker': params.PartNumberMarker,
    },
    ...(signal ? { signal } : {}),
  });
  const list = child(dataObject(res), 'ListPartsResult');
  return result(res, { ...list, Part: asArray(list.Part) }) as unknown as MultipartListPartResult;
}

export async function multipartAbort(
  core: ClientCore,
  params: Formatted<MultipartAbortParams>,
  signal?: AbortSignal,
): Promise<GeneralResult> {
  const res = await submitRequest(core, {
    action: 'name/cos:AbortMultipartUpload',
    method: 'DELETE',
    bucket: params.Bucket,
    region: params.Region,
    key: params.Key,
    headers: params.Headers,
    query: { uploadId: params.UploadId },
    ...(signal ? { signal } : {}),
  });
  return result(res, {});
}

export interface MultipartMethods {
  /**
   * Lists multipart uploads in progress.
   *
   * @example
   * // COS JS SDK docs: the unfinished uploads of keys starting with 1.zip
   * const { Upload } = await cos.multipartList({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing', Prefix: '1.zip' });
   */
  multipartList: ApiMethod<MultipartListParams, MultipartListResult>;
  /**
   * Starts a multipart upload.
   *
   * @example
   * const { UploadId } = await cos.multipartInit({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing', Key: 'picture.jpg' });
   */
  multipartInit: ApiMethod<MultipartInitParams, MultipartInitResult>;
  /**
   * Uploads one part (1 MiB to 5 GiB, except the last).
   *
   * @example
   * const { ETag } = await cos.multipartUpload({ Bucket, Region, Key: 'picture.jpg', UploadId, PartNumber: 1, Body: chunk });
   */
  multipartUpload: ApiMethod<MultipartUploadParams, MultipartUploadResult>;
  /**
   * Copies a range of another object as a part.
   *
   * @example
   * await cos.uploadPartCopy({ Bucket, Region, Key: 'picture.jpg', UploadId, PartNumber: 1,
   *   CopySource: 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com/big.zip', CopySourceRange: 'bytes=0-1048575' });
   */
  uploadPartCopy: ApiMethod<UploadPartCopyParams, UploadPartCopyResult>;
  /**
   * Lists the parts of an upload.
   *
   * @example
   * const { Part } = await cos.multipartListPart({ Bucket, Region, Key: 'picture.jpg', UploadId });
   */
  multipartListPart: ApiMethod<MultipartListPartParams, MultipartListPartResult>;
  /**
   * Completes an upload from its parts.
   *
   * @example
   * await cos.multipartComplete({ Bucket, Region, Key: '1.zip', UploadId,
   *   Parts: [{ PartNumber: '1', ETag: '"0cce40bdbaf2fa0ff204c20fc965dd3f"' }] });
   */
  multipartComplete: ApiMethod<MultipartCompleteParams, MultipartCompleteResult>;
  /**
   * Aborts an upload and deletes its parts.
   *
   * @example
   * await cos.multipartAbort({ Bucket, Region, Key: '1.zip', UploadId });
   */
  multipartAbort: ApiMethod<MultipartAbortParams, GeneralResult>;
}

export const multipartMethods: MultipartMethods = {
  multipartList: defineApi('multipartList', (core, p: Formatted<MultipartListParams>) => multipartList(core, p)),
  multipartInit: defineApi('multipartInit', (core, p: Formatted<MultipartInitParams>) => multipartInit(core, p)),
  multipartUpload: defineApi('multipartUpload', multipartUpload),
  uploadPartCopy: defineApi('uploadPartCopy', (core, p: Formatted<UploadPartCopyParams>) => uploadPartCopy(core, p)),
  multipartListPart: defineApi('multipartListPart', (core, p: Formatted<MultipartListPartParams>) =>
    multipartListPart(core, p),
  ),
  multipartComplete: defineApi('multipartComplete', (core, p: Formatted<MultipartCompleteParams>) =>
    multipartComplete(core, p),
  ),
  multipartAbort: defineApi('multipartAbort', (core, p: Formatted<MultipartAbortParams>) => multipartAbort(core, p)),
};

/**
 * Object basics (https://intl.cloud.tencent.com/document/product/436/31710): PUT (through the upload queue), HEAD,
 * GET, OPTIONS, DELETE, copy,
 * DeleteObjects, restore. Tencent's special cases are kept: HEAD/GET 304 with If-Modified-Since is
 * `{ NotModified: true }`, DELETE 404 is `{ BucketNotFound: true }`, OPTIONS 403 is `{ OptionsForbidden: true }`.
 */
import type { ClientCore } from '../core.js';
import { coreOf } from '../core.js';
import { invalidParameter, S3ServiceError } from '../errors.js';
import { throttleProgress } from '../progress.js';
import { submitRequest } from '../request.js';
import type {
  ApiMethod,
  Callback,
  GeneralResult,
  Headers,
  ObjectParams,
  ProgressCallback,
  UploadBody,
} from '../types.js';
import { objectUrl } from '../url.js';
import { asArray, jsonToXml } from '../xml.js';
import { configBody } from './bucket-config.js';
import { defineApi, defineTaskApi, type Formatted } from './define.js';
import { child, dataObject, hexToBase64, parseCopySource, result } from './shared.js';

export interface PutObjectParams extends ObjectParams {
  /** The content. Node also takes `FilePath`. */
  Body?: UploadBody;
  /**
   * Node: upload this file (streamed from disk). Beside a Body already read from the file, it only gives the
   * Content-Type (by extension).
   */
  FilePath?: string;
  /** Needed for a stream Body of known length (else it goes chunked). */
  ContentLength?: number;
  ContentType?: string;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentEncoding?: string;
  ContentMD5?: string;
  Expires?: string;
  Expect?: string;
  ACL?: string;
  GrantRead?: string;
  GrantFullControl?: string;
  StorageClass?: string;
  /** Extra query parameters. */
  Query?: Record<string, string>;
  onProgress?: ProgressCallback;
  onTaskReady?: (taskId: string) => void;
  TaskReady?: (taskId: string) => void;
  /** Run at once instead of through the upload queue. */
  SkipTask?: boolean;
  /** `x-cos-meta-*` and other `x-cos-*` headers may be given as parameters. */
  [header: `x-cos-${string}`]: string | undefined;
}

export interface PutObjectResult extends GeneralResult {
  ETag: string;
  /** `<host>/<key>` without the scheme. */
  Location: string;
  VersionId?: string;
}

export interface HeadObjectParams extends ObjectParams {
  VersionId?: string;
  IfModifiedSince?: string;
  IfUnmodifiedSince?: string;
  IfMatch?: string;
  IfNoneMatch?: string;
}

export interface HeadObjectResult extends GeneralResult {
  ETag?: string;
  VersionId?: string;
  /** Set (with statusCode 304) when IfModifiedSince was given and the object is unchanged. */
  NotModified?: boolean;
}

export interface GetObjectParams extends HeadObjectParams {
  Range?: string;
  ResponseContentType?: string;
  ResponseContentLanguage?: string;
  ResponseExpires?: string;
  ResponseCacheControl?: string;
  ResponseContentDisposition?: string;
  ResponseContentEncoding?: string;
  Query?: Record<string, string>;
  QueryString?: string;
  /** Node: a file path or Writable the body is streamed into (then `Body` is absent). */
  Output?: string | { write: unknown; end: unknown };
  /** What `Body` is: 'buffer' (Node default), 'string' (browser default), 'arraybuffer', 'blob'. */
  DataType?: 'buffer' | 'string' | 'arraybuffer' | 'blob';
  onProgress?: ProgressCallback;
}

export interface GetObjectResult extends GeneralResult {
  Body?: unknown;
  ETag?: string;
  NotModified?: boolean;
}

export interface OptionsObjectParams extends ObjectParams {
  Origin: string;
  AccessControlRequestMethod: string;
  AccessControlRequestHeaders?: string;
}

export interface OptionsObjectResult extends GeneralResult {
  AccessControlAllowOrigin?: string;
  AccessControlAllowMethods?: string;
  AccessControlAllowHeaders?: string;
  AccessControlExposeHeaders?: string;
  AccessControlMaxAge?: string;
  OptionsForbidden?: boolean;
}

export interface PutObjectCopyParams extends ObjectParams {
  /** `<bucket-appid>.cos.<region>.myqcloud.com/<key>[?versionId=…]` (or what CopySourceParser accepts). */
  CopySource: string;
  /** 'Copy' (default) or 'Replaced'. */
  MetadataDirective?: string;
  ACL?: string;
  GrantRead?: string;
  GrantFullControl?: string;
  StorageClass?: string;
  CopySourceIfModifiedSince?: string;
  CopySourceIfUnmodifiedSince?: string;
  CopySourceIfMatch?: string;
  CopySourceIfNoneMatch?: string;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentEncoding?: string;
  ContentType?: string;
  Expires?: string;
  VersionId?: string;
  [header: `x-cos-${string}`]: string | undefined;
}

export interface PutObjectCopyResult extends GeneralResult {
  ETag: string;
  LastModified: string;
  CRC64?: string;
  VersionId?: string;
}

export interface DeleteObjectParams extends ObjectParams {
  VersionId?: string;
}

export interface DeleteObjectResult extends GeneralResult {
  /** 404 counts as deleted; this says the answer was a 404. */
  BucketNotFound?: boolean;
  VersionId?: string;
  DeleteMarker?: string;
}

export interface DeleteMultipleObjectParams {
  Bucket: string;
  Region: string;
  Headers?: Headers;
  Objects: { Key: string; VersionId?: string }[];
  Quiet?: boolean;
}

export interface DeleteMultipleObjectResult extends GeneralResult {
  Deleted: { Key: string; VersionId?: string; DeleteMarker?: string; DeleteMarkerVersionId?: string }[];
  Error: { Key: string; Code: string; Message: string; VersionId?: string }[];
}

export interface RestoreObjectParams extends ObjectParams {
  RestoreRequest: { Days: number | string; CASJobParameters?: { Tier: 'Expedited' | 'Standard' | 'Bulk' | string } };
  VersionId?: string;
}

/** APPEND Object takes PutObject's content headers; `Position` is the object's current length (0 creates it). */
export interface AppendObjectParams
  extends Pick<
      PutObjectParams,
      | 'ContentLength'
      | 'ContentType'
      | 'CacheControl'
      | 'ContentDisposition'
      | 'ContentEncoding'
      | 'ContentMD5'
      | 'Expires'
      | 'ACL'
      | 'StorageClass'
      | `x-cos-${string}`
    >,
    ObjectParams {
  Position: number | string;
  /** The bytes to append. */
  Body: UploadBody;
}

export interface AppendObjectResult extends GeneralResult {
  ETag: string;
}

async function putObjectSize(core: ClientCore, params: Formatted<PutObjectParams>): Promise<number> {
  const info = await core.platform.describeBody(params.Body, params.FilePath, params.ContentLength);
  return info.sizeBytes ?? 0;
}

export async function putObject(
  core: ClientCore,
  params: Formatted<PutObjectParams>,
  signal: AbortSignal | undefined,
): Promise<PutObjectResult> {
  const info = await core.platform.describeBody(params.Body, params.FilePath, params.ContentLength);
  const size = info.sizeBytes;
  const headers: Record<string, unknown> = { ...params.Headers };
  if (!headers['Cache-Control'] && !headers['cache-control']) headers['Cache-Control'] = '';
  if (core.options.UploadCheckContentMd5 && info.body instanceof Uint8Array && !headers['Content-MD5']) {
    const md5 = core.platform.createMd5();
    md5.update(info.body);
    headers['Content-MD5'] = hexToBase64(md5.hex());
  }
  const report = throttleProgress(core.options.ProgressInterval, size ?? 0, params.onProgress);
  report({ loaded: 0, total: size ?? 0 }, true);
  try {
    const res = await submitRequest(core, {
      action: 'name/cos:PutObject',
      method: 'PUT',
      bucket: params.Bucket,
      region: params.Region,
      key: params.Key,
      headers,
      ...(params.Query ? { query: params.Query } : {}),
      body: info.body,
      ...(size !== undefined ? { bodySizeBytes: size } : {}),
      ...(info.contentType ? { bodyContentType: info.contentType } : {}),
      replayable: info.replayable,
      ...(signal ? { signal } : {}),
      onUploadProgress: (loaded) => report({ loaded, total: size ?? 0 }),
    });
    report({ loaded: size ?? 0, total: size ?? 0 }, true);
    const location = objectUrl(core.options, core.platform.defaultProtocol(), params.Bucket, params.Region, params.Key);
    return result(res, {
      ...dataObject(res),
      Location: location.slice(location.indexOf('://') + 3),
      ...(res.headers.etag !== undefined ? { ETag: res.headers.etag } : {}),
    }) as PutObjectResult;
  } catch (err) {
    report(undefined, true);
    throw err;
  }
}

/** APPEND Object: POST ?append&position=N; the headers hold x-cos-next-append-position. */
async function appendObject(core: ClientCore, params: Formatted<AppendObjectParams>): Promise<AppendObjectResult> {
  if (params.Position === undefined || params.Position === '') throw invalidParameter('missing param Position');
  const info = await core.platform.describeBody(params.Body, undefined, params.ContentLength);
  const headers: Record<string, unknown> = { ...params.Headers };
  if (!headers['Cache-Control'] && !headers['cache-control']) headers['Cache-Control'] = '';
  const res = await submitRequest(core, {
    action: 'name/cos:AppendObject',
    method: 'POST',
    bucket: params.Bucket,
    region: params.Region,
    key: params.Key,
    subresource: 'append',
    query: { position: String(params.Position) },
    headers,
    body: info.body,
    ...(info.sizeBytes !== undefined ? { bodySizeBytes: info.sizeBytes } : {}),
    ...(info.contentType ? { bodyContentType: info.contentType } : {}),
    replayable: info.replayable,
  });
  return result(res, {
    ...(res.headers.etag !== undefined ? { ETag: res.headers.etag } : {}),
  }) as AppendObjectResult;
}

function isNotModified(err: unknown, headers: Record<string, unknown>): boolean {
  return err instanceof S3ServiceError && err.statusCode === 304 && headers['If-Modified-Since'] !== undefined;
}

export async function headObject(core: ClientCore, params: Formatted<HeadObjectParams>): Promise<HeadObjectResult> {
  try {
    const res = await submitRequest(core, {
      action: 'name/cos:HeadObject',
      method: 'HEAD',
      bucket: params.Bucket,
      region: params.Region,
      key: params.Key,
      headers: params.Headers,
      query: { versionId: params.VersionId },
    });
    return result(res, { ...dataObject(res), ETag: res.headers.etag ?? '' });
  } catch (err) {
    if (isNotModified(err, params.Headers)) return { NotModified: true, statusCode: 304 } as HeadObjectResult;
    throw err;
  }
}

/** `a/./b/../` → `/a`: getObject refuses keys that name the bucket itself this way. */
function simplifyPath(path: string): string {
  const stack: string[] = [];
  for (const name of path.split('/')) {
    if (name === '..') stack.pop();
    else if (name !== '' && name !== '.') stack.push(name);
  }
  return `/${stack.join('/')}`;
}

export async function getObject(core: ClientCore, params: Formatted<GetObjectParams>): Promise<GetObjectResult> {
  if (core.options.ObjectKeySimplifyCheck && simplifyPath(params.Key) === '/') {
    throw invalidParameter('The Getobject Key is illegal');
  }
  let total = 0;
  const report = throttleProgress(core.options.ProgressInterval, 0, params.onProgress);
  const query: Record<string, string | undefined> = {
    ...params.Query,
    'response-content-type': params.ResponseContentType,
    'response-content-language': params.ResponseContentLanguage,
    'response-expires': params.ResponseExpires,
    'response-cache-control': params.ResponseCacheControl,
    'response-content-disposition': params.ResponseContentDisposition,
    'response-content-encoding': params.ResponseContentEncoding,
    versionId: params.VersionId,
  };
  if (params.QueryString) {
    for (const item of params.QueryString.split('&')) {
      if (!item) continue;
      const eq = item.indexOf('=');
      query[decodeURIComponent(eq < 0 ? item : item.slice(0, eq))] =
        eq < 0 ? '' : decodeURIComponent(item.slice(eq + 1));
    }
  }
  try {
    const res = await submitRequest(core, {
      action: 'name/cos:GetObject',
      method: 'GET',
      bucket: params.Bucket,
      region: params.Region,
      key: params.Key,
      headers: params.Headers,
      query,
      rawBody: true,
      ...(params.Output !== undefined ? { output: params.Output, replayable: false } : {}),
      onDownloadProgress: (loaded, totalBytes) => {
        total = totalBytes ?? total;
        report({ loaded, total });
      },
    });
    report(undefined, true);
    return {
      ...(params.Output === undefined ? { Body: convertBody(core, res.body, params.DataType) } : {}),
      ETag: res.headers.etag ?? '',
      statusCode: res.statusCode,
      headers: res.headers,
    };
  } catch (err) {
    report(undefined, true);
    if (isNotModified(err, params.Headers)) return { NotModified: true } as GetObjectResult;
    throw err;
  }
}

function convertBody(core: ClientCore, body: Uint8Array, dataType: GetObjectParams['DataType']): unknown {
  switch (dataType ?? core.platform.defaultDataType) {
    case 'string':
      return new TextDecoder().decode(body);
    case 'arraybuffer':
      return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
    case 'blob':
      return new Blob([body as Uint8Array<ArrayBuffer>]);
    default:
      return core.platform.toBuffer(body);
  }
}

async function optionsObject(core: ClientCore, params: Formatted<OptionsObjectParams>): Promise<OptionsObjectResult> {
  const headers = {
    ...params.Headers,
    Origin: params.Origin,
    'Access-Control-Request-Method': params.AccessControlRequestMethod,
    'Access-Control-Request-Headers': params.AccessControlRequestHeaders,
  };
  try {
    const res = await submitRequest(core, {
      action: 'name/cos:OptionsObject',
      method: 'OPTIONS',
      bucket: params.Bucket,
      region: params.Region,
      key: params.Key,
      headers,
    });
    const h = res.headers;
    return result(res, {
      AccessControlAllowOrigin: h['access-control-allow-origin'],
      AccessControlAllowMethods: h['access-control-allow-methods'],
      AccessControlAllowHeaders: h['access-control-allow-headers'],
      AccessControlExposeHeaders: h['access-control-expose-headers'],
      AccessControlMaxAge: h['access-control-max-age'],
    });
  } catch (err) {
    if (err instanceof S3ServiceError && err.statusCode === 403)
      return { OptionsForbidden: true, statusCode: 403 } as OptionsObjectResult;
    throw err;
  }
}

/** Scope of a copy: read the source, write the destination. */
export function copyScope(
  core: ClientCore,
  params: { CopySource: string; Bucket: string; Region: string; Key: string },
) {
  const source = parseCopySource(params.CopySource, core.options.CopySourceParser);
  return [
    {
      action: 'name/cos:GetObject',
      bucket: source.Bucket,
      region: source.Region,
      prefix: decodeURIComponent(source.Key),
    },
    { action: 'name/cos:PutObject', bucket: params.Bucket, region: params.Region, prefix: params.Key },
  ];
}

export async function putObjectCopy(
  core: ClientCore,
  params: Formatted<PutObjectCopyParams>,
  signal?: AbortSignal,
): Promise<PutObjectCopyResult> {
  const headers: Record<string, unknown> = { ...params.Headers };
  if (!headers['Cache-Control'] && !headers['cache-control']) headers['Cache-Control'] = '';
  const res = await submitRequest(core, {
    scope: copyScope(core, params),
    method: 'PUT',
    bucket: params.Bucket,
    region: params.Region,
    key: params.Key,
    headers,
    query: { versionId: params.VersionId },
    errorIn2xx: true,
    ...(signal ? { signal } : {}),
  });
  return result(res, child(dataObject(res), 'CopyObjectResult')) as unknown as PutObjectCopyResult;
}

async function deleteObject(core: ClientCore, params: Formatted<DeleteObjectParams>): Promise<DeleteObjectResult> {
  try {
    const res = await submitRequest(core, {
      action: 'name/cos:DeleteObject',
      method: 'DELETE',
      bucket: params.Bucket,
      region: params.Region,
      key: params.Key,
      headers: params.Headers,
      query: { versionId: params.VersionId },
    });
    return result(res, {});
  } catch (err) {
    if (err instanceof S3ServiceError && err.statusCode === 404)
      return { BucketNotFound: true, statusCode: 404 } as DeleteObjectResult;
    throw err;
  }
}

async function deleteMultipleObject(
  core: ClientCore,
  params: Formatted<DeleteMultipleObjectParams>,
): Promise<DeleteMultipleObjectResult> {
  const objects = asArray(params.Objects);
  const xml = jsonToXml('Delete', { Object: objects, Quiet: params.Quiet || false });
  const res = await submitRequest(core, {
    scope: objects.map((o) => ({
      action: 'name/cos:DeleteObject',
      bucket: params.Bucket,
      region: params.Region,
      prefix: o.Key,
    })),
    method: 'POST',
    bucket: params.Bucket,
    region: params.Region,
    subresource: 'delete',
    ...configBody(core, xml, 'application/xml', params.Headers),
  });
  const deleteResult = child(dataObject(res), 'DeleteResult');
  return result(res, {
    ...deleteResult,
    Error: asArray(deleteResult.Error),
    Deleted: asArray(deleteResult.Deleted),
  }) as unknown as DeleteMultipleObjectResult;
}

async function restoreObject(core: ClientCore, params: Formatted<RestoreObjectParams>): Promise<GeneralResult> {
  if (!params.RestoreRequest) throw invalidParameter('missing param RestoreRequest');
  const xml = jsonToXml('RestoreRequest', params.RestoreRequest);
  const res = await submitRequest(core, {
    action: 'name/cos:RestoreObject',
    method: 'POST',
    bucket: params.Bucket,
    region: params.Region,
    key: params.Key,
    subresource: 'restore',
    query: { versionId: params.VersionId },
    ...configBody(core, xml, 'application/xml', params.Headers),
  });
  return result(res, dataObject(res));
}

export interface ObjectMethods {
  /**
   * Uploads an object in one request (through the upload queue).
   *
   * @example
   * // upload a string (COS JS SDK docs)
   * cos.putObject({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing', Key: 'picture.jpg', Body: 'hello!' },
   *   (err, data) => console.log(err || data.ETag));
   */
  putObject: ApiMethod<PutObjectParams, PutObjectResult>;
  /**
   * An object's metadata (its headers).
   *
   * @example
   * const { headers } = await cos.headObject({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing', Key: 'picture.jpg' });
   */
  headObject: ApiMethod<HeadObjectParams, HeadObjectResult>;
  /**
   * Downloads an object (`Body`), or a Range of it.
   *
   * @example
   * const { Body } = await cos.getObject({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing',
   *   Key: 'picture.jpg', Range: 'bytes=1-3' });
   */
  getObject: ApiMethod<GetObjectParams, GetObjectResult>;
  /**
   * A CORS preflight for an object (a 403 resolves with `OptionsForbidden: true`).
   *
   * @example
   * await cos.optionsObject({ Bucket, Region, Key: 'picture.jpg', Origin: 'https://www.qq.com',
   *   AccessControlRequestMethod: 'PUT', AccessControlRequestHeaders: 'origin,accept,content-type' });
   */
  optionsObject: ApiMethod<OptionsObjectParams, OptionsObjectResult>;
  /**
   * Copies an object (PUT Object - Copy).
   *
   * @example
   * await cos.putObjectCopy({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing', Key: 'picture.jpg',
   *   CopySource: 'test-1250000000.cos.ap-guangzhou.myqcloud.com/2.jpg' });
   */
  putObjectCopy: ApiMethod<PutObjectCopyParams, PutObjectCopyResult>;
  /**
   * Deletes an object (a missing object or bucket still resolves).
   *
   * @example
   * await cos.deleteObject({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing', Key: 'picture.jpg' });
   */
  deleteObject: ApiMethod<DeleteObjectParams, DeleteObjectResult>;
  /**
   * Deletes up to 1000 objects in one request.
   *
   * @example
   * const { Deleted, Error } = await cos.deleteMultipleObject({ Bucket, Region,
   *   Objects: [{ Key: 'picture.jpg' }, { Key: '2.zip' }] });
   */
  deleteMultipleObject: ApiMethod<DeleteMultipleObjectParams, DeleteMultipleObjectResult>;
  /**
   * Restores an archived object for a number of days.
   *
   * @example
   * await cos.restoreObject({ Bucket, Region, Key: 'picture.jpg',
   *   RestoreRequest: { Days: 1, CASJobParameters: { Tier: 'Expedited' } } });
   */
  restoreObject: ApiMethod<RestoreObjectParams, GeneralResult>;
  /**
   * Appends to an appendable object (COS APPEND Object); Position 0 creates it. The next position is
   * in `headers['x-cos-next-append-position']`.
   *
   * @example
   * const data = await cos.appendObject({ Bucket, Region, Key: 'app.log', Position: 0, Body: 'line one\n' });
   * await cos.appendObject({ Bucket, Region, Key: 'app.log', Body: 'line two\n',
   *   Position: data.headers['x-cos-next-append-position'] });
   */
  appendObject: ApiMethod<AppendObjectParams, AppendObjectResult>;
  /**
   * Node: getObject into a stream, returned at once (Tencent's getObjectStream). The callback, if given, gets
   * the result (headers, statusCode) once the body has been written to the stream. A failed request destroys
   * the stream with the error when the stream has an 'error' listener, and just ends it otherwise.
   *
   * @example
   * cos.getObjectStream({ Bucket, Region, Key: 'big.log' }).pipe(fs.createWriteStream('/tmp/big.log'));
   */
  getObjectStream(params: GetObjectParams, callback?: Callback<GetObjectResult>): NodeJS.ReadableStream;
}

export const objectMethods: ObjectMethods = {
  putObject: defineTaskApi('putObject', putObjectSize, putObject),
  headObject: defineApi('headObject', headObject),
  getObject: defineApi('getObject', getObject),
  optionsObject: defineApi('optionsObject', optionsObject),
  putObjectCopy: defineApi('putObjectCopy', (core, p: Formatted<PutObjectCopyParams>) => putObjectCopy(core, p)),
  deleteObject: defineApi('deleteObject', deleteObject),
  deleteMultipleObject: defineApi('deleteMultipleObject', deleteMultipleObject),
  restoreObject: defineApi('restoreObject', restoreObject),
  appendObject: defineApi('appendObject', appendObject),
  getObjectStream(this: ObjectMethods, params: GetObjectParams, callback?: Callback<GetObjectResult>) {
    const stream = coreOf(this).platform.passThrough?.();
    if (!stream) throw invalidParameter('getObjectStream returns a Node.js stream: it needs Node.js');
    this.getObject({ ...params, Output: stream }, (err, data) => {
      if (err) stream.destroy(stream.listenerCount('error') > 0 ? err : undefined);
      callback?.(err, data);
    });
    return stream as unknown as NodeJS.ReadableStream;
  },
};

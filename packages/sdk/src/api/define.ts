/**
 * How every public method is made: parameters normalised (Tencent's `formatParams`: friendly names such as
 * `ContentType` and any `x-cos-*` parameter become headers), checked before any request (`checkParams`), then
 * run, with the result (or error) given to the callback or the Promise, and `RequestId` / `VersionId` /
 * `DeleteMarker` lifted from the headers.
 */

import type { ClientCore } from '../core.js';
import { coreOf } from '../core.js';
import { invalidParameter, type S3ServiceError } from '../errors.js';
import type { TaskParams } from '../task-queue.js';
import type { ApiMethod, Callback } from '../types.js';

/** Parameter name → the header it becomes (Tencent util.js `formatParams`). */
const HEADER_PARAMS: Record<string, string> = {
  MFA: 'x-cos-mfa',
  ContentMD5: 'Content-MD5',
  ContentLength: 'Content-Length',
  ContentType: 'Content-Type',
  Expect: 'Expect',
  Expires: 'Expires',
  CacheControl: 'Cache-Control',
  ContentDisposition: 'Content-Disposition',
  ContentEncoding: 'Content-Encoding',
  Range: 'Range',
  IfModifiedSince: 'If-Modified-Since',
  IfUnmodifiedSince: 'If-Unmodified-Since',
  IfMatch: 'If-Match',
  IfNoneMatch: 'If-None-Match',
  CopySource: 'x-cos-copy-source',
  CopySourceRange: 'x-cos-copy-source-Range',
  MetadataDirective: 'x-cos-metadata-directive',
  CopySourceIfModifiedSince: 'x-cos-copy-source-If-Modified-Since',
  CopySourceIfUnmodifiedSince: 'x-cos-copy-source-If-Unmodified-Since',
  CopySourceIfMatch: 'x-cos-copy-source-If-Match',
  CopySourceIfNoneMatch: 'x-cos-copy-source-If-None-Match',
  ACL: 'x-cos-acl',
  GrantRead: 'x-cos-grant-read',
  GrantWrite: 'x-cos-grant-write',
  GrantFullControl: 'x-cos-grant-full-control',
  GrantReadAcp: 'x-cos-grant-read-acp',
  GrantWriteAcp: 'x-cos-grant-write-acp',
  StorageClass: 'x-cos-storage-class',
  TrafficLimit: 'x-cos-traffic-limit',
  MimeLimit: 'x-cos-mime-limit',
  SSECustomerAlgorithm: 'x-cos-server-side-encryption-customer-algorithm',
  SSECustomerKey: 'x-cos-server-side-encryption-customer-key',
  SSECustomerKeyMD5: 'x-cos-server-side-encryption-customer-key-MD5',
  ServerSideEncryption: 'x-cos-server-side-encryption',
  SSEKMSKeyId: 'x-cos-server-side-encryption-cos-kms-key-id',
  SSEContext: 'x-cos-server-side-encryption-context',
  PicOperations: 'Pic-Operations',
};

/** Methods that never send a request or are exempt from the Bucket/Region/Key check. */
const UNCHECKED = new Set(['getService', 'getObjectUrl', 'getAuth', 'uploadFiles']);

/** Parameters after `formatParams`: `Headers` always set, holding every header the parameters imply. */
export type Formatted<P> = P & { Headers: Record<string, string | number | boolean> };

export function formatParams<P extends object>(params: P): Formatted<P> {
  const out = { ...params } as Formatted<P>;
  const headers: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries((params as { Headers?: object }).Headers ?? {})) {
    if (value !== undefined && value !== null) headers[name] = value as string;
  }
  // One pass over the (few) given parameters instead of a look-up of each of the table's forty names; the named
  // parameters still win over a literal `x-cos-*` one for the same header, as in Tencent's order.
  let named: [string, unknown][] | undefined;
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (name.includes('x-cos-')) headers[name] = value as string;
    if (Object.hasOwn(HEADER_PARAMS, name)) (named ??= []).push([HEADER_PARAMS[name]!, value]);
  }
  if (named) for (const [header, value] of named) headers[header] = value as string;
  out.Headers = headers;
  return out;
}

/** Which of Bucket / Region / Key a method needs (Tencent util.js `hasMissingParams`). */
function missingParam(api: string, p: { Bucket?: string; Region?: string; Key?: string }): string | undefined {
  const bucketLevel =
    api.includes('Bucket') || api === 'deleteMultipleObject' || api === 'multipartList' || api === 'listObjectVersions';
  const objectLevel =
    !bucketLevel &&
    (api.includes('Object') ||
      api.includes('multipart') ||
      api === 'sliceUploadFile' ||
      api === 'sliceCopyFile' ||
      api === 'uploadPartCopy' ||
      api === 'uploadFile' ||
      api === 'abortUploadTask' ||
      api === 'downloadFile');
  if (!bucketLevel && !objectLevel) return undefined;
  if (!p.Bucket) return 'Bucket';
  if (!p.Region) return 'Region';
  if (objectLevel && !p.Key && api !== 'abortUploadTask') return 'Key';
  return undefined;
}

/** Client-side checks; returns the message of the first problem. Strips one leading '/' from Key. */
export function checkParams(
  core: ClientCore,
  api: string,
  params: { Bucket?: string; Region?: string; Key?: string },
): string | undefined {
  if (UNCHECKED.has(api)) return undefined;
  const missing = missingParam(api, params);
  if (missing) return `missing param ${missing}`;
  if (params.Region !== undefined) {
    if (params.Region.includes('cos.')) return 'param Region should not be start with "cos."';
    if (!/^([a-z\d-]+)$/.test(params.Region)) return 'Region format error.';
  }
  // S3 bucket names carry no APPID; a SigV4 client (the SignatureVersion 'v4' option) takes them as they are.
  if (
    params.Bucket !== undefined &&
    core.options.SignatureVersion !== 'v4' &&
    !/^([a-z\d-]+)-(\d+)$/.test(params.Bucket)
  ) {
    return 'Bucket should format as "test-1250000000".';
  }
  if (!core.options.UseRawKey && params.Key?.startsWith('/')) params.Key = params.Key.slice(1);
  return undefined;
}

/** Tencent's `formatResult`: RequestId, VersionId and DeleteMarker from the headers. */
export function formatResult<R>(result: R): R {
  const r = result as { headers?: Record<string, string> } & Record<string, unknown>;
  if (r && typeof r === 'object' && r.headers) {
    const h = r.headers;
    if (h['x-ci-request-id']) r.RequestId = h['x-ci-request-id'];
    if (h['x-cos-request-id']) r.RequestId = h['x-cos-request-id'];
    if (h['x-cos-version-id']) r.VersionId = h['x-cos-version-id'];
    if (h['x-cos-delete-marker']) r.DeleteMarker = h['x-cos-delete-marker'];
  }
  return result;
}

function deliver<R>(promise: Promise<R>, callback: Callback<R> | undefined): Promise<R> | undefined {
  const formatted = promise.then(formatResult, (err: unknown) => {
    throw formatResult(err);
  });
  if (!callback) return formatted;
  formatted.then(
    (data) => callback(null, data),
    (err: unknown) => callback(err as S3ServiceError, undefined as R),
  );
  return undefined;
}

/**
 * A public method from an implementation taking the client's core.
 *
 * @example
 * const getBucket = defineApi('getBucket', (core, params: GetBucketParams) => listObjects(core, params));
 */
export function defineApi<P extends object, R>(
  api: string,
  impl: (core: ClientCore, params: Formatted<P>) => Promise<R>,
): ApiMethod<P, R> {
  return function (this: object, params: P, callback?: Callback<R>) {
    const core = coreOf(this);
    const formatted = formatParams(params ?? ({} as P));
    const problem = checkParams(core, api, formatted as { Bucket?: string; Region?: string; Key?: string });
    const run = problem
      ? Promise.reject(invalidParameter(problem))
      : Promise.resolve().then(() => impl(core, formatted));
    return deliver(run, callback);
  } as ApiMethod<P, R>;
}

/**
 * A public method that runs through the upload queue (putObject, sliceUploadFile, uploadFile). `SkipTask: true`
 * runs it directly. `size` gives the task's size before it starts; `run` is one attempt and may be repeated by
 * restartTask.
 */
export function defineTaskApi<P extends TaskParams & { SkipTask?: boolean }, R>(
  api: string,
  size: (core: ClientCore, params: Formatted<P>) => Promise<number>,
  run: (core: ClientCore, params: Formatted<P>, signal: AbortSignal | undefined) => Promise<R>,
): ApiMethod<P, R> {
  return function (this: object, params: P, callback?: Callback<R>) {
    const core = coreOf(this);
    const formatted = formatParams(params ?? ({} as P));
    const problem = checkParams(core, api, formatted as { Bucket?: string; Region?: string; Key?: string });
    if (problem) return deliver(Promise.reject(invalidParameter(problem)), callback);
    if (formatted.SkipTask)
      return deliver(
        Promise.resolve().then(() => run(core, formatted, undefined)),
        callback,
      );
    if (callback) {
      core.tasks.add(
        formatted,
        () => size(core, formatted),
        (signal) => run(core, formatted, signal).then(formatResult),
        (err, data) => callback(err ? formatResult(err) : null, data),
      );
      return undefined;
    }
    return new Promise<R>((resolve, reject) => {
      core.tasks.add(
        formatted,
        () => size(core, formatted),
        (signal) => run(core, formatted, signal).then(formatResult),
        (err, data) => (err ? reject(formatResult(err)) : resolve(data)),
      );
    });
  } as ApiMethod<P, R>;
}

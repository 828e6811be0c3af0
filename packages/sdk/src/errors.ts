/**
 * The SDK's one error class. Server errors carry the server's `Code` as `code`; errors the SDK raises itself carry
 * one of the stable codes in `SDK_ERROR_CODES`. The field names Tencent's SDK users read (`statusCode`, `headers`,
 * `error.Code`, `RequestId`, `url`, `method`) are all there, so error handling written for it keeps working.
 */

/** Codes of errors raised by the SDK rather than by the server. */
export const SDK_ERROR_CODES = {
  /** A parameter is missing or malformed (checked before any request is sent). */
  invalidParameter: 'InvalidParameter',
  /** The connection failed or broke (the system code, e.g. ECONNRESET, is in `cause`). */
  network: 'NetworkError',
  /** No response within the `Timeout` option. */
  timeout: 'TimeoutError',
  /** The request was aborted: a task was paused or cancelled. */
  aborted: 'AbortError',
  /** A 2xx response whose body could not be understood. */
  badResponse: 'BadResponse',
  /**
   * sliceUploadFile: the server's `x-cos-hash-crc64ecma` for a part (after the part's retries) or for the completed
   * object differs from the CRC-64 of the bytes sent.
   */
  crc64Mismatch: 'CRC64Mismatch',
} as const;

export interface S3ServiceErrorInit {
  code: string;
  message: string;
  statusCode?: number;
  headers?: Record<string, string>;
  /** The server's `<Error>` element as an object. */
  error?: Record<string, unknown>;
  requestId?: string;
  url?: string;
  method?: string;
  cause?: unknown;
}

/**
 * An error from the service or from the SDK.
 *
 * @example
 * try {
 *   await cos.headObject({ Bucket, Region, Key: 'missing.txt' });
 * } catch (err) {
 *   if (err instanceof S3ServiceError && err.statusCode === 404) console.log('not there', err.requestId);
 * }
 */
export class S3ServiceError extends Error {
  override name = 'S3ServiceError';
  /** The server's error Code (`NoSuchKey`), the status as a string when the body had none (`'404'`), or an SDK code. */
  code: string;
  /** HTTP status; undefined when no response arrived. */
  statusCode?: number;
  /** The x-cos-request-id of the failed request. */
  requestId?: string;
  /** Same as `requestId`, under the name Tencent's SDK uses. */
  RequestId?: string;
  /** Response headers, lower-case names. */
  headers?: Record<string, string>;
  /** The server's `<Error>` element as an object (`Code`, `Message`, `Resource`, `RequestId`, `TraceId`, …). */
  error?: Record<string, unknown>;
  url?: string;
  method?: string;
  /** getBucketPolicy and sliceCopyFile annotate some errors, as Tencent's SDK does. */
  ErrorStatus?: string;
  /** sliceUploadFile: the upload the failed attempt used, so a caller can abort it. */
  UploadId?: string;

  constructor(init: S3ServiceErrorInit) {
    super(init.message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.code = init.code;
    if (init.statusCode !== undefined) this.statusCode = init.statusCode;
    if (init.headers !== undefined) this.headers = init.headers;
    if (init.error !== undefined) this.error = init.error;
    if (init.requestId !== undefined) {
      this.requestId = init.requestId;
      this.RequestId = init.requestId;
    }
    if (init.url !== undefined) this.url = init.url;
    if (init.method !== undefined) this.method = init.method;
  }
}

/** An InvalidParameter error (no request was sent). */
export function invalidParameter(message: string): S3ServiceError {
  return new S3ServiceError({ code: SDK_ERROR_CODES.invalidParameter, message });
}

export function isAbortError(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    ((err as Error).name === 'AbortError' || (err as S3ServiceError).code === SDK_ERROR_CODES.aborted)
  );
}

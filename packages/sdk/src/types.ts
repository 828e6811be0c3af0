/**
 * Types shared by every method: the callback/Promise shape, the fields every result carries, credentials,
 * progress. Each `api/*.ts` module declares its own parameter and result types next to its methods.
 */
import type { S3ServiceError } from './errors.js';
import type { BlobLike, ReadableLike } from './platform/types.js';

export type { BlobLike, ReadableLike } from './platform/types.js';

/** `(err, data)`: exactly one of them is set. */
export type Callback<R> = (err: S3ServiceError | null, data: R) => void;

/**
 * Every API method: returns a Promise when called without a callback, else calls the callback and returns nothing.
 *
 * @example
 * const data = await cos.headObject({ Bucket, Region, Key });
 * cos.headObject({ Bucket, Region, Key }, (err, data) => console.log(err || data));
 */
export interface ApiMethod<P, R> {
  (params: P, callback: Callback<R>): void;
  // Last, so that ReturnType<COS['getBucket']> is the Promise (as with Tencent's typings).
  (params: P): Promise<R>;
}

/** Headers sent with a request, in addition to the ones the SDK derives from parameters. */
export type Headers = Record<string, string | number | boolean | undefined>;

/** Fields of every result (and of every error that got a response). */
export interface GeneralResult {
  statusCode: number;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  /** x-cos-request-id. */
  RequestId?: string;
}

export interface BucketParams {
  /** `<name>-<APPID>`, e.g. examplebucket-1250000000. */
  Bucket: string;
  /** e.g. ap-beijing. */
  Region: string;
  Headers?: Headers;
}

export interface ObjectParams extends BucketParams {
  Key: string;
}

/**
 * An upload body: a string (UTF-8), bytes (Buffer, Uint8Array, ArrayBuffer), a Blob or File, or (Node) a Readable
 * stream. Node also takes `FilePath` instead.
 */
export type UploadBody = string | Uint8Array | ArrayBuffer | BlobLike | ReadableLike;

/** What onProgress / onHashProgress receive. */
export interface ProgressInfo {
  /** Bytes done. */
  loaded: number;
  /** Bytes in all. */
  total: number;
  /** Bytes per second since the previous call. */
  speed: number;
  /** loaded / total, floored to two decimals (0.5 = 50 %). */
  percent: number;
}

export type ProgressCallback = (info: ProgressInfo) => void;

/** Temporary keys as getAuthorization / getSTS return them. */
export interface Credentials {
  TmpSecretId?: string;
  TmpSecretKey?: string;
  SecurityToken?: string;
  /** Older name of SecurityToken. */
  XCosSecurityToken?: string;
  /** Unix seconds (10 digits): signatures start here, which avoids trouble with a skewed local clock. */
  StartTime?: number;
  /** Unix seconds (10 digits). */
  ExpiredTime?: number;
  /** Use these keys only for requests with the same Scope. */
  ScopeLimit?: boolean;
  /** A ready signature instead of keys. */
  Authorization?: string;
}

/** The least permission a request needs (for STS servers that issue narrowly scoped keys). */
export interface ScopeItem {
  action: string;
  bucket: string;
  region: string;
  prefix: string;
}

/** What getAuthorization is asked to sign. */
export interface GetAuthorizationOptions {
  Bucket: string;
  Region: string;
  Method: string;
  Key: string;
  Pathname: string;
  Query: Record<string, string>;
  Headers: Record<string, string>;
  Scope: ScopeItem[];
  SystemClockOffset: number;
  ForceSignHost: boolean;
}

/** An owner or grantee (`qcs::cam::uin/<uin>:uin/<uin>`). */
export interface Owner {
  ID: string;
  DisplayName?: string;
}

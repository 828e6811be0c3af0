/**
 * Constructor options: Tencent's names and defaults
 * (https://github.com/tencentyun/cos-nodejs-sdk-v5/blob/master/sdk/cos.js), plus `ForcePathStyle` (real path-style
 * addressing, signing the full path, for Coffer) and the retry knobs.
 */
import type { Credentials, GetAuthorizationOptions } from './types.js';

export interface CosOptions {
  /** Permanent key id (or use `getAuthorization`). */
  SecretId?: string;
  SecretKey?: string;
  /** Temporary-key token, sent as `x-cos-security-token` (not signed). */
  SecurityToken?: string;
  /**
   * Supplies a signature or temporary keys per request: call `callback` with an Authorization string,
   * `{ Authorization }`, or `{ TmpSecretId, TmpSecretKey, SecurityToken, StartTime?, ExpiredTime }` (temporary
   * keys are cached until 60 s before they expire). May instead return a Promise of the same (any other return value
   * is ignored).
   */
  getAuthorization?: (options: GetAuthorizationOptions, callback: (auth: string | Credentials) => void) => unknown;
  /** Like `getAuthorization`, but only ever for temporary keys (Tencent's older option). */
  getSTS?: (options: { Bucket: string; Region: string }, callback: (credentials: Credentials) => void) => void;
  /** `'http:'` / `'https:'` (the colon is optional). Default https:, or the page's protocol in a browser. */
  Protocol?: string;
  /**
   * Host template for bucket and object requests: `{Bucket}` (name-appid), `{BucketName}`, `{AppId}`, `{Region}`,
   * `{{Bucket}}` (short name). May carry a scheme and a path (`127.0.0.1:9000/{Bucket}`: path style whose signature
   * leaves the bucket out, as Tencent's SDK does). Default `{Bucket}.cos.{Region}.myqcloud.com`.
   */
  Domain?: string;
  /** URL for getService (`{{AppId}}`, `{{Region}}` allowed). Default `service.cos.myqcloud.com`. */
  ServiceDomain?: string;
  /**
   * Path-style addressing: `https://<Domain>/<Bucket>/<Key>` with the bucket in the signed path, the way S3
   * path-style works. Tencent's SDKs refuse this option; Coffer serves it.
   */
  ForcePathStyle?: boolean;
  /** Connect to this `host[:port]` instead, keeping the real host name in `Host` (Node only). */
  Ip?: string;
  /** Use the accelerate endpoint (`{Region}` becomes `accelerate`). */
  UseAccelerate?: boolean;
  /** Sign the Host header (default true; turning it off lets a signature be replayed on another bucket). */
  ForceSignHost?: boolean;
  /** Keep a leading '/' of Key (default: one leading '/' is dropped). */
  UseRawKey?: boolean;
  /** Milliseconds to wait for a response; 0 = no limit. */
  Timeout?: number;
  /** Keep connections open between requests (Node). Default true. */
  KeepAlive?: boolean;
  /** Milliseconds added to the local clock when signing; corrected automatically on RequestTimeTooSkewed. */
  SystemClockOffset?: number;
  /** Fix `SystemClockOffset` from the server's Date and retry once when a request fails for clock skew. */
  CorrectClockSkew?: boolean;
  /**
   * Send Content-MD5 with putObject / multipartUpload bodies held in memory, and with every sliceUploadFile part
   * (which then reads each part of a file twice: once to hash it, once to send it).
   */
  UploadCheckContentMd5?: boolean;
  /**
   * Coffer extension: sliceUploadFile computes each part's CRC-64 while sending it and compares it with the
   * server's `x-cos-hash-crc64ecma` (a mismatched part is sent again, up to ChunkRetryTimes), then the combined
   * CRC with Complete's. Skipped where the server answers none, or (browsers) where the transport cannot show the
   * bytes sent. Default true.
   */
  UploadCheckCrc64?: boolean;
  /**
   * Coffer extension: the CRC-64/ECMA-182 function for UploadCheckCrc64, `(data, prev) => crc`. Default: the
   * JavaScript one of @coffer/protocol (about MD5's speed); on Node, @coffer/native's `crc64` is ~20× cheaper.
   */
  Crc64?: (data: Uint8Array, prev?: bigint) => bigint;
  /** User-Agent (Node; browsers send their own). */
  UserAgent?: string;
  /** Retries after a network error or 5xx (never after a 4xx). Default 3. */
  MaxRetries?: number;
  /** First retry delay in ms; each further retry doubles it (with jitter). Default 100. */
  RetryDelayMs?: number;
  /** sliceUploadFile / sliceCopyFile: retries of one part. Default 2. */
  ChunkRetryTimes?: number;
  /** Upload tasks running at once. Default 3. */
  FileParallelLimit?: number;
  /** Parts of one sliceUploadFile uploading at once. Default 3. */
  ChunkParallelLimit?: number;
  /** Default part size of sliceUploadFile (at least 1 MiB). */
  ChunkSize?: number;
  /** uploadFile(s): bodies up to this size go in one putObject. Default 1 MiB. */
  SliceSize?: number;
  /** sliceCopyFile: parts copied at once. Default 20. */
  CopyChunkParallelLimit?: number;
  /** sliceCopyFile: part size. Default 10 MiB. */
  CopyChunkSize?: number;
  /** sliceCopyFile: objects up to this size are copied with one putObjectCopy. Default 10 MiB. */
  CopySliceSize?: number;
  /** Most parts one upload may use; the part size grows to fit. Default 10000. */
  MaxPartNumber?: number;
  /** Minimum ms between onProgress calls. Default 1000. */
  ProgressInterval?: number;
  /** Finished tasks kept in getTaskList. Default 1000. */
  UploadQueueSize?: number;
  /** Parses CopySource into `{ Bucket, Region, Key }` when it is not `<bucket>.cos.<region>.myqcloud.com/<key>`. */
  CopySourceParser?: (source: string) => { Bucket: string; Region: string; Key: string } | null;
  /** Reject getObject keys that normalise to '/' (which would list the bucket). Default true. */
  ObjectKeySimplifyCheck?: boolean;
  /**
   * Coffer extension: `'v4'` signs every request with AWS Signature V4 (permanent keys, UNSIGNED-PAYLOAD, the
   * request's Region as the scope's region, `SigV4Region` if it has none) instead of COS's q-sign. For servers that
   * answer S3-signed requests as S3 does (Coffer does, per client family). Default `'cos'`.
   */
  SignatureVersion?: 'cos' | 'v4';
  /** The SigV4 scope region when a request has no Region (getService). Default `us-east-1`. */
  SigV4Region?: string;
}

const MIB = 1024 * 1024;

export const DEFAULT_OPTIONS = {
  SecretId: '',
  SecretKey: '',
  SecurityToken: '',
  Protocol: '',
  Domain: '',
  ServiceDomain: '',
  ForcePathStyle: false,
  Ip: '',
  UseAccelerate: false,
  ForceSignHost: true,
  UseRawKey: false,
  Timeout: 0,
  KeepAlive: true,
  SystemClockOffset: 0,
  CorrectClockSkew: true,
  UploadCheckContentMd5: false,
  UploadCheckCrc64: true,
  UserAgent: '',
  MaxRetries: 3,
  RetryDelayMs: 100,
  ChunkRetryTimes: 2,
  FileParallelLimit: 3,
  ChunkParallelLimit: 3,
  ChunkSize: MIB,
  SliceSize: MIB,
  CopyChunkParallelLimit: 20,
  CopyChunkSize: 10 * MIB,
  CopySliceSize: 10 * MIB,
  MaxPartNumber: 10000,
  ProgressInterval: 1000,
  UploadQueueSize: 1000,
  ObjectKeySimplifyCheck: true,
  SigV4Region: 'us-east-1',
} satisfies Partial<CosOptions>;

/** Literal defaults widened to their types (`false` → boolean). */
type Widen<T> = { [K in keyof T]: T[K] extends boolean ? boolean : T[K] extends number ? number : string };

export type ResolvedOptions = Widen<typeof DEFAULT_OPTIONS> & CosOptions;

/** Defaults filled in and limits applied as Tencent's constructor applies them. */
export function resolveOptions(options: CosOptions): ResolvedOptions {
  const o: ResolvedOptions = { ...DEFAULT_OPTIONS };
  for (const [name, value] of Object.entries(options)) {
    if (value !== undefined) (o as unknown as Record<string, unknown>)[name] = value;
  }
  o.FileParallelLimit = Math.max(1, o.FileParallelLimit);
  o.ChunkParallelLimit = Math.max(1, o.ChunkParallelLimit);
  o.ChunkRetryTimes = Math.max(0, o.ChunkRetryTimes);
  o.ChunkSize = Math.max(MIB, o.ChunkSize);
  o.CopyChunkParallelLimit = Math.max(1, o.CopyChunkParallelLimit);
  o.CopyChunkSize = Math.max(MIB, o.CopyChunkSize);
  o.CopySliceSize = Math.max(0, o.CopySliceSize);
  o.MaxPartNumber = Math.max(1024, Math.min(10000, o.MaxPartNumber));
  o.Timeout = Math.max(0, o.Timeout);
  o.MaxRetries = Math.max(0, o.MaxRetries);
  return o;
}

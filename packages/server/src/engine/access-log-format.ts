/** One request as access logs describe it; filled by the HTTP edge (http/access-log.ts), rendered here. */
export interface AccessLogEntry {
  bucketOwner: string;
  bucket: string;
  region: string;
  /** When the request arrived (ms since the epoch). */
  startMs: number;
  totalTimeMs: number;
  remoteIp?: string;
  /** Who sent it (owner id of the principal); undefined when anonymous. */
  requester?: string;
  accessKeyId?: string;
  requestId: string;
  /** Coffer's operation name (GetObject, PutObject, …): COS's eventName. */
  operation: string;
  /** S3's `REST.GET.OBJECT` form. */
  s3Operation: string;
  method: string;
  key?: string;
  /** The request line's target, as sent. */
  requestUri: string;
  httpVersion: string;
  status: number;
  errorCode?: string;
  bytesSent: number;
  bytesReceived: number;
  objectSize?: number;
  referer?: string;
  userAgent?: string;
  versionId?: string;
  storageClass?: string;
  signatureVersion?: 'SigV2' | 'SigV4';
  authType?: 'AuthHeader' | 'QueryString';
  host?: string;
}

const DASH = '-';

/** Percent-encodes a key as S3 logs show it (everything but unreserved characters and `/`). */
export function encodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/');
}

function quoted(value: string | undefined): string {
  return value === undefined || value === '' ? '"-"' : `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `[06/Feb/2019:00:00:38 +0000]` */
function s3Time(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `[${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000]`;
}

/** A field that may not hold spaces or control characters (S3 separates fields by spaces). */
function token(value: string | number | undefined): string {
  if (value === undefined || value === '') return DASH;
  return String(value).replace(/[\s\u0000-\u001f\u007f]/g, (c) => encodeURIComponent(c));
}

/**
 * A record in the S3 server access log format, its fields in the documented order
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html): bucket owner, bucket,
 * time, remote IP, requester, request id, operation, key, request-URI, status, error code, bytes
 * sent, object size, total time, turn-around time, referer, user agent, version id, host id,
 * signature version, cipher suite, authentication type, host header, TLS version, access point ARN,
 * ACL required. Counting one object's GETs:
 * `awk '$8 == "REST.GET.OBJECT" && $9 == "photos/cat.jpg"' logs/* | wc -l` (the time holds a space, so
 * the key is field 9).
 */
export function renderS3Line(e: AccessLogEntry): string {
  return [
    token(e.bucketOwner),
    token(e.bucket),
    s3Time(e.startMs),
    token(e.remoteIp),
    token(e.requester),
    token(e.requestId),
    token(e.s3Operation),
    e.key === undefined ? DASH : token(encodeKey(e.key)),
    quoted(`${e.method} ${e.requestUri} HTTP/${e.httpVersion}`),
    String(e.status),
    token(e.errorCode),
    e.bytesSent > 0 ? String(e.bytesSent) : DASH,
    token(e.objectSize),
    String(Math.round(e.totalTimeMs)),
    DASH,
    quoted(e.referer),
    quoted(e.userAgent),
    token(e.versionId),
    DASH,
    token(e.signatureVersion),
    DASH,
    token(e.authType),
    token(e.host),
    DASH,
    DASH,
    DASH,
  ].join(' ');
}

/**
 * A record with COS's log fields, in COS's order (https://www.tencentcloud.com/document/product/436/16920):
 * eventVersion, bucketName, qcsRegion, eventTime, eventSource, eventName, remoteIp,
 * userSecretKeyId, reservedFiled, reqBytesSent, deltaDataSize, reqPath, reqMethod, userAgent,
 * resHttpCode, resErrorCode, resErrorMsg, resBytesSent, resTotalTime, logSourceType, storageClass,
 * accountId, resTurnAroundTime, requester, requestId, objectSize, versionId, targetStorageClass,
 * referer, requestUri; separated by spaces, so values with spaces are percent-encoded. Counting one
 * object's GETs: `awk '$6 == "GetObject" && $12 == "/photos/cat.jpg"' logs/* | wc -l`.
 */
export function renderCosLine(e: AccessLogEntry): string {
  const end = new Date(e.startMs + e.totalTimeMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const uin = (id: string | undefined) => (id === undefined ? undefined : (/uin\/(\d+)/.exec(id)?.[1] ?? id));
  const owner = uin(e.bucketOwner);
  const requester =
    e.requester === undefined
      ? undefined
      : (() => {
          const m = /uin\/(\d+):uin\/(\d+)/.exec(e.requester);
          return m ? `${m[1]}:${m[2]}` : e.requester;
        })();
  return [
    '1.0',
    token(e.bucket),
    token(e.region),
    end,
    token(e.host),
    token(e.operation),
    token(e.remoteIp),
    token(e.accessKeyId),
    DASH,
    String(e.bytesReceived),
    DASH,
    e.key === undefined ? DASH : token(`/${encodeKey(e.key)}`),
    e.method.toLowerCase(),
    token(e.userAgent),
    String(e.status),
    token(e.errorCode),
    DASH,
    String(e.bytesSent),
    String(Math.round(e.totalTimeMs)),
    'USER',
    token(e.storageClass),
    token(owner),
    DASH,
    token(requester),
    token(e.requestId),
    token(e.objectSize),
    token(e.versionId),
    DASH,
    token(e.referer),
    token(e.requestUri),
  ].join(' ');
}

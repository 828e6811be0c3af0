/**
 * AWS Signature Version 2 for S3 (HMAC-SHA1), still used by s3cmd `--signature-v2` and awscli v1 `s3 presign`.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
 */
import { type CryptoLike, signBase64 } from './crypto-like.js';
import { parseRawQuery, type RawQueryParam } from './query.js';

/**
 * Query parameters that are part of the CanonicalizedResource. The AWS list plus the ones botocore's HmacV1 and
 * MinIO add for newer sub-resources; a client that sends one of these always signs it.
 */
export const SIGV2_SUBRESOURCES: ReadonlySet<string> = new Set([
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'delete',
  'encryption',
  'inventory',
  'legal-hold',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'partNumber',
  'policy',
  'replication',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'retention',
  'select',
  'select-type',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

/** Header values as node or a client holds them. */
export type SigV2HeaderBag = Readonly<Record<string, string | readonly string[] | number | undefined>>;

/**
 * CanonicalizedAmzHeaders: every `x-amz-*` header, lower-cased, sorted, repeated values joined by ',', folded
 * whitespace unfolded, each as `name:value\n`.
 */
export function sigV2CanonicalAmzHeaders(headers: SigV2HeaderBag): string {
  const byName = new Map<string, string[]>();
  for (const [name, v] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (v === undefined || !lower.startsWith('x-amz-')) continue;
    const values = Array.isArray(v) ? v.map(String) : [String(v)];
    const list = byName.get(lower) ?? [];
    for (const value of values) list.push(value.replace(/\s*\r?\n\s*/g, ' ').trim());
    byName.set(lower, list);
  }
  return [...byName.keys()]
    .sort()
    .map((name) => name + ':' + byName.get(name)!.join(',') + '\n')
    .join('');
}

/**
 * CanonicalizedResource: ['/' + bucket for virtual-host requests] + the path as sent (still encoded) + the
 * sub-resources among `params`, sorted by name, values decoded, `?acl` bare when it has no value.
 */
export function sigV2CanonicalResource(rawPath: string, params: readonly RawQueryParam[], bucket?: string): string {
  let resource = (bucket ? '/' + bucket : '') + (rawPath === '' ? '/' : rawPath);
  const sub = params.filter((p) => SIGV2_SUBRESOURCES.has(p.name));
  if (sub.length > 0) {
    sub.sort((a, b) => (a.name === b.name ? 0 : a.name < b.name ? -1 : 1));
    resource += '?' + sub.map((p) => (p.value === '' ? p.name : p.name + '=' + p.value)).join('&');
  }
  return resource;
}

export interface SigV2StringToSignInput {
  method: string;
  contentMd5: string;
  contentType: string;
  /** The Date header; '' when x-amz-date is sent (it is then among the amz headers); Expires for query auth. */
  date: string;
  /** From `sigV2CanonicalAmzHeaders`. */
  amzHeaders: string;
  /** From `sigV2CanonicalResource`. */
  resource: string;
}

export function sigV2StringToSign(input: SigV2StringToSignInput): string {
  return (
    input.method.toUpperCase() +
    '\n' +
    input.contentMd5 +
    '\n' +
    input.contentType +
    '\n' +
    input.date +
    '\n' +
    input.amzHeaders +
    input.resource
  );
}

/** base64(HMAC-SHA1(secret, stringToSign)). */
export function sigV2Signature(crypto: CryptoLike, secretKey: string, stringToSign: string): string {
  return signBase64(crypto.hmac('sha1', secretKey, stringToSign));
}

export interface SigV2Credentials {
  accessKeyId: string;
  secretKey: string;
  /** Sent (and signed) as x-amz-security-token. */
  sessionToken?: string;
}

export interface SigV2RequestToSign {
  method: string;
  /** The path as it will be sent, percent-encoded; path-style requests include the bucket. */
  path: string;
  /** The query as it will be sent (no '?'). */
  query?: string;
  headers?: Readonly<Record<string, string | number | undefined>>;
}

export interface SigV2SignOptions {
  credentials: SigV2Credentials;
  /** The bucket of a virtual-host request (it is not in the path but is in the signed resource). */
  bucket?: string;
  /** Signing time, ms since the epoch (becomes the Date header unless the request has Date or x-amz-date). */
  nowMs: number;
}

export interface PresignV2Options {
  credentials: SigV2Credentials;
  bucket?: string;
  /** When the URL stops working, unix seconds (the `Expires` parameter). */
  expiresAtSeconds: number;
}

function headerValue(headers: SigV2RequestToSign['headers'], name: string): string {
  for (const [n, v] of Object.entries(headers ?? {})) if (n.toLowerCase() === name && v !== undefined) return String(v);
  return '';
}

/**
 * Signs for the `Authorization: AWS <AK>:<signature>` header. Adds a Date header (RFC 1123) unless the request
 * has Date or x-amz-date already.
 *
 * @example
 * const { headers } = signV2Headers(
 *   { method: 'GET', path: '/bucket/key', headers: { host: 'localhost:9000' } },
 *   { credentials, nowMs: Date.now() }, crypto,
 * );
 */
export function signV2Headers(
  req: SigV2RequestToSign,
  opts: SigV2SignOptions,
  crypto: CryptoLike,
): { headers: Record<string, string>; signature: string; stringToSign: string } {
  const headers: Record<string, string> = {};
  for (const [n, v] of Object.entries(req.headers ?? {})) if (v !== undefined) headers[n.toLowerCase()] = String(v);
  if (opts.credentials.sessionToken) headers['x-amz-security-token'] = opts.credentials.sessionToken;
  if (headers['date'] === undefined && headers['x-amz-date'] === undefined) {
    headers['date'] = new Date(opts.nowMs).toUTCString();
  }
  const stringToSign = sigV2StringToSign({
    method: req.method,
    contentMd5: headers['content-md5'] ?? '',
    contentType: headers['content-type'] ?? '',
    date: headers['x-amz-date'] !== undefined ? '' : (headers['date'] ?? ''),
    amzHeaders: sigV2CanonicalAmzHeaders(headers),
    resource: sigV2CanonicalResource(req.path, parseRawQuery(req.query ?? '', { plusAsSpace: false }), opts.bucket),
  });
  const signature = sigV2Signature(crypto, opts.credentials.secretKey, stringToSign);
  headers['authorization'] = `AWS ${opts.credentials.accessKeyId}:${signature}`;
  return { headers, signature, stringToSign };
}

/**
 * Presigns (query-string authentication): returns the query to send, the request's own query first, then
 * AWSAccessKeyId, Expires (unix seconds) and Signature. A session token travels as x-amz-security-token in the query
 * and is signed as an amz header (as botocore does).
 *
 * @example
 * const query = presignV2({ method: 'GET', path: '/bucket/key' }, { credentials, expiresAtSeconds }, crypto);
 */
export function presignV2(req: SigV2RequestToSign, opts: PresignV2Options, crypto: CryptoLike): string {
  const amz: Record<string, string> = {};
  for (const [n, v] of Object.entries(req.headers ?? {})) if (v !== undefined) amz[n.toLowerCase()] = String(v);
  if (opts.credentials.sessionToken) amz['x-amz-security-token'] = opts.credentials.sessionToken;
  const expires = String(Math.floor(opts.expiresAtSeconds));
  const stringToSign = sigV2StringToSign({
    method: req.method,
    contentMd5: headerValue(req.headers, 'content-md5'),
    contentType: headerValue(req.headers, 'content-type'),
    date: expires,
    amzHeaders: sigV2CanonicalAmzHeaders(amz),
    resource: sigV2CanonicalResource(req.path, parseRawQuery(req.query ?? '', { plusAsSpace: false }), opts.bucket),
  });
  const signature = sigV2Signature(crypto, opts.credentials.secretKey, stringToSign);
  const parts = [req.query ?? ''];
  if (opts.credentials.sessionToken) {
    parts.push('x-amz-security-token=' + encodeURIComponent(opts.credentials.sessionToken));
  }
  parts.push(
    'AWSAccessKeyId=' + encodeURIComponent(opts.credentials.accessKeyId),
    'Expires=' + expires,
    'Signature=' + encodeURIComponent(signature),
  );
  return parts.filter((p) => p !== '').join('&');
}

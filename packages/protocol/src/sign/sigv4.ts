/**
 * AWS Signature Version 4 for S3: canonical forms, signing key, string to sign, chunk and trailer signatures, and
 * the client-side header/presigned signers built from them.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 */
import { type CryptoLike, signHex } from './crypto-like.js';
import { parseRawQuery, percentDecode } from './query.js';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const SIGV4_CHUNK_ALGORITHM = 'AWS4-HMAC-SHA256-PAYLOAD';
export const SIGV4_TRAILER_ALGORITHM = 'AWS4-HMAC-SHA256-TRAILER';
export const SIGV4_TERMINATOR = 'aws4_request';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED_PAYLOAD = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_PAYLOAD_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_PAYLOAD_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
/** SHA-256 of the empty string: the payload hash of a bodiless request, and a fixed line of chunk strings to sign. */
export const EMPTY_SHA256_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** Presigned URLs live at most a week (X-Amz-Expires). */
export const SIGV4_MAX_EXPIRES_SECONDS = 604_800;

/**
 * RFC 3986 percent-encoding as SigV4 defines it: everything but `A-Z a-z 0-9 - _ . ~` becomes %XX (upper-case hex,
 * UTF-8 bytes); '/' is kept when `encodeSlash` is false.
 */
export function uriEncode(s: string, encodeSlash: boolean): string {
  const encoded = encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return encodeSlash ? encoded : encoded.replaceAll('%2F', '/');
}

/**
 * CanonicalURI for S3 from the path as received: each '/'-separated segment is decoded once and re-encoded, so any
 * client spelling of a character (`%28` or `(`, `%7e` or `~`) gives the same result while `%2F` inside a segment
 * stays `%2F`. S3 neither double-encodes nor normalises `.`, `..` or `//`.
 */
export function sigV4CanonicalUri(rawPath: string): string {
  if (rawPath === '') return '/';
  // Only unreserved characters and '/': decoding and re-encoding would give the same string back.
  if (UNRESERVED_PATH.test(rawPath)) return rawPath;
  return rawPath
    .split('/')
    .map((segment) => uriEncode(percentDecode(segment), true))
    .join('/');
}

const UNRESERVED_PATH = /^[A-Za-z0-9\-._~/]*$/;

/** A decoded query parameter. */
export interface SigV4QueryParam {
  name: string;
  value: string;
}

/**
 * CanonicalQueryString: names and values URI-encoded, sorted by encoded name then encoded value; `X-Amz-Signature`
 * left out when `excludeSignature` (presigned URLs).
 */
export function sigV4CanonicalQuery(
  params: readonly SigV4QueryParam[],
  opts: { excludeSignature?: boolean } = {},
): string {
  const pairs: Array<[string, string]> = [];
  for (const p of params) {
    if (opts.excludeSignature && p.name.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([uriEncode(p.name, true), uriEncode(p.value, true)]);
  }
  pairs.sort((a, b) => compareBytes(a[0], b[0]) || compareBytes(a[1], b[1]));
  return pairs.map(([n, v]) => n + '=' + v).join('&');
}

/** The strings compared here are ASCII (already percent-encoded), so code-unit order is byte order. */
function compareBytes(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Header values the way node's IncomingHttpHeaders (or a client's header object) holds them. */
export type SigV4HeaderBag = Readonly<Record<string, string | readonly string[] | number | undefined>>;

/** What sigV4CanonicalHeaderValue changes: CR, LF, tabs, runs of spaces, a space at either end. */
const NON_CANONICAL_VALUE = /[\r\n\t]| {2}|^ | $/;

/** A header value in canonical form: CR/LF become spaces, runs of spaces/tabs collapse, ends are trimmed. */
export function sigV4CanonicalHeaderValue(value: string): string {
  // Most values are canonical already: one test instead of three replacements.
  if (!NON_CANONICAL_VALUE.test(value)) return value;
  return value
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
}

/**
 * CanonicalHeaders for exactly `signedHeaders` (lower-case, in the given order, which SignedHeaders has sorted):
 * `name:value\n` each. A signed header that is absent signs as empty.
 */
export function sigV4CanonicalHeaders(headers: SigV4HeaderBag, signedHeaders: readonly string[]): string {
  // Node hands a server its headers with lower-case names, each once: then each signed header is looked up
  // directly, without a lower-case copy of every name and a Map of them all.
  let lowerCase = true;
  for (const name in headers) {
    if (name.toLowerCase() !== name) {
      lowerCase = false;
      break;
    }
  }
  if (lowerCase) {
    let out = '';
    for (const name of signedHeaders) {
      const v = Object.hasOwn(headers, name) ? headers[name] : undefined;
      const value = v === undefined ? '' : Array.isArray(v) ? v.join(',') : String(v);
      out += name + ':' + sigV4CanonicalHeaderValue(value) + '\n';
    }
    return out;
  }
  const byName = new Map<string, string>();
  for (const [name, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const lower = name.toLowerCase();
    const value = Array.isArray(v) ? v.join(',') : String(v);
    const prior = byName.get(lower);
    byName.set(lower, prior === undefined ? value : prior + ',' + value);
  }
  let out = '';
  for (const name of signedHeaders) out += name + ':' + sigV4CanonicalHeaderValue(byName.get(name) ?? '') + '\n';
  return out;
}

export interface SigV4CanonicalRequestInput {
  method: string;
  canonicalUri: string;
  canonicalQuery: string;
  /** The `name:value\n…` block from `sigV4CanonicalHeaders`. */
  canonicalHeaders: string;
  signedHeaders: readonly string[];
  payloadHash: string;
}

export function sigV4CanonicalRequest(input: SigV4CanonicalRequestInput): string {
  return (
    input.method.toUpperCase() +
    '\n' +
    input.canonicalUri +
    '\n' +
    input.canonicalQuery +
    '\n' +
    input.canonicalHeaders +
    '\n' +
    input.signedHeaders.join(';') +
    '\n' +
    input.payloadHash
  );
}

/** `yyyymmdd/region/service/aws4_request`. */
export function sigV4Scope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/${SIGV4_TERMINATOR}`;
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function sigV4SigningKey(
  crypto: CryptoLike,
  secretKey: string,
  date: string,
  region: string,
  service: string,
): Uint8Array {
  let key = crypto.hmac('sha256', 'AWS4' + secretKey, date);
  key = crypto.hmac('sha256', key, region);
  key = crypto.hmac('sha256', key, service);
  return crypto.hmac('sha256', key, SIGV4_TERMINATOR);
}

/**
 * Signing keys `signV4Headers` and `presignV4` derived lately, per CryptoLike, keyed by secret key, date, region and
 * service: the key changes once a day, so a client's requests share it (four HMACs a request saved). Only the
 * signing side uses it; the server's verifier keeps its own. Bounded: cleared when it holds 64 keys.
 */
const signingKeyCache = new WeakMap<CryptoLike, Map<string, Uint8Array>>();

function cachedSigV4SigningKey(
  crypto: CryptoLike,
  secretKey: string,
  date: string,
  region: string,
  service: string,
): Uint8Array {
  let keys = signingKeyCache.get(crypto);
  if (!keys) {
    keys = new Map();
    signingKeyCache.set(crypto, keys);
  }
  // JSON of the parts: unambiguous whatever characters the region or key hold.
  const id = JSON.stringify([date, region, service, secretKey]);
  let key = keys.get(id);
  if (key === undefined) {
    if (keys.size >= 64) keys.clear();
    key = sigV4SigningKey(crypto, secretKey, date, region, service);
    keys.set(id, key);
  }
  return key;
}

export function sigV4StringToSign(
  crypto: CryptoLike,
  datetime: string,
  scope: string,
  canonicalRequest: string,
): string {
  return SIGV4_ALGORITHM + '\n' + datetime + '\n' + scope + '\n' + signHex(crypto.hash('sha256', canonicalRequest));
}

/** hex(HMAC-SHA256(signingKey, stringToSign)): request, chunk and trailer signatures alike. */
export function sigV4Signature(crypto: CryptoLike, signingKey: Uint8Array, stringToSign: string): string {
  return signHex(crypto.hmac('sha256', signingKey, stringToSign));
}

/** What chunk and trailer signatures chain from: the request's signing key, datetime and scope. */
export interface SigV4ChunkContext {
  signingKey: Uint8Array;
  /** The request's x-amz-date (`yyyymmddThhmmssZ`). */
  datetime: string;
  scope: string;
}

/** `AWS4-HMAC-SHA256-PAYLOAD\n<datetime>\n<scope>\n<previous signature>\n<sha256("")>\n<sha256(chunk)>`. */
export function sigV4ChunkStringToSign(
  datetime: string,
  scope: string,
  previousSignature: string,
  chunkSha256Hex: string,
): string {
  return [SIGV4_CHUNK_ALGORITHM, datetime, scope, previousSignature, EMPTY_SHA256_HEX, chunkSha256Hex].join('\n');
}

/** `AWS4-HMAC-SHA256-TRAILER\n<datetime>\n<scope>\n<last chunk signature>\n<sha256(canonical trailers)>`. */
export function sigV4TrailerStringToSign(
  datetime: string,
  scope: string,
  previousSignature: string,
  trailersSha256Hex: string,
): string {
  return [SIGV4_TRAILER_ALGORITHM, datetime, scope, previousSignature, trailersSha256Hex].join('\n');
}

/** The trailer block as it is hashed: `name:value\n` per trailer (the wire uses CRLF; the hash uses LF). */
export function sigV4CanonicalTrailers(trailers: ReadonlyArray<readonly [string, string]>): string {
  return trailers.map(([n, v]) => n.toLowerCase() + ':' + v.trim() + '\n').join('');
}

/** Signature of one aws-chunked chunk (an empty `data` for the final chunk). */
export function sigV4ChunkSignature(
  crypto: CryptoLike,
  ctx: SigV4ChunkContext,
  previousSignature: string,
  data: Uint8Array | string,
): string {
  const sts = sigV4ChunkStringToSign(ctx.datetime, ctx.scope, previousSignature, signHex(crypto.hash('sha256', data)));
  return sigV4Signature(crypto, ctx.signingKey, sts);
}

/** Signature of the trailer block that follows the final chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER). */
export function sigV4TrailerSignature(
  crypto: CryptoLike,
  ctx: SigV4ChunkContext,
  previousSignature: string,
  trailers: ReadonlyArray<readonly [string, string]>,
): string {
  const hash = signHex(crypto.hash('sha256', sigV4CanonicalTrailers(trailers)));
  return sigV4Signature(
    crypto,
    ctx.signingKey,
    sigV4TrailerStringToSign(ctx.datetime, ctx.scope, previousSignature, hash),
  );
}

/** `yyyymmddThhmmssZ` for a time in ms since the epoch. */
export function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Parses `yyyymmddThhmmssZ` to ms since the epoch; undefined when malformed. */
export function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(ms);
  // Reject 20130230 and friends rather than letting Date roll them over.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return undefined;
  return ms;
}

export interface SigV4Credentials {
  accessKeyId: string;
  secretKey: string;
  /** STS session token: sent as x-amz-security-token (header) / X-Amz-Security-Token (query), and signed. */
  sessionToken?: string;
}

/** A request as a client will put it on the wire. */
export interface SigV4RequestToSign {
  method: string;
  /** The path exactly as it will be sent, percent-encoded (`/bucket/a%20b.txt`). */
  path: string;
  /** The query as it will be sent (no '?'), or parameters to encode in this order. */
  query?: string | Readonly<Record<string, string | undefined>>;
  /** Headers to send; must include `host`. */
  headers?: Readonly<Record<string, string | number | undefined>>;
  /** Hex SHA-256 of the body, UNSIGNED-PAYLOAD or a STREAMING-* token. Default UNSIGNED-PAYLOAD. */
  payloadHash?: string;
}

export interface SigV4SignOptions {
  credentials: SigV4Credentials;
  region: string;
  /** Default 's3'. */
  service?: string;
  /** Signing time, ms since the epoch. */
  nowMs: number;
}

/** Headers that proxies rewrite or that clients never sign (smithy's ALWAYS_UNSIGNABLE_HEADERS). */
const UNSIGNABLE_HEADERS = new Set([
  'authorization',
  'connection',
  'expect',
  'keep-alive',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

/** Builds the wire query string (no '?') from a raw string or parameters. */
export function sigV4WireQuery(query: SigV4RequestToSign['query']): string {
  if (query === undefined) return '';
  if (typeof query === 'string') return query;
  return Object.entries(query)
    .map(([n, v]) => (v === undefined ? uriEncode(n, true) : uriEncode(n, true) + '=' + uriEncode(v, true)))
    .join('&');
}

export interface SignedV4Request {
  /** Every header to send: the given ones plus x-amz-date, x-amz-content-sha256, [x-amz-security-token], authorization. */
  headers: Record<string, string>;
  /** The query to send (no '?'). */
  query: string;
  signature: string;
  /** Seed for aws-chunked chunk signatures (`sigV4ChunkSignature`). */
  chunkContext: SigV4ChunkContext;
  canonicalRequest: string;
  stringToSign: string;
}

/**
 * Signs a request for the `Authorization` header; every given header except hop-by-hop ones is signed.
 *
 * @example
 * const signed = signV4Headers(
 *   { method: 'GET', path: '/bucket/a%20b.txt', headers: { host: '127.0.0.1:9000' }, payloadHash: EMPTY_SHA256_HEX },
 *   { credentials: { accessKeyId, secretKey }, region: 'us-east-1', nowMs: Date.now() },
 *   crypto,
 * );
 * await fetch(`http://127.0.0.1:9000/bucket/a%20b.txt`, { headers: signed.headers });
 */
export function signV4Headers(req: SigV4RequestToSign, opts: SigV4SignOptions, crypto: CryptoLike): SignedV4Request {
  const datetime = formatAmzDate(opts.nowMs);
  const date = datetime.slice(0, 8);
  const service = opts.service ?? 's3';
  const scope = sigV4Scope(date, opts.region, service);
  const payloadHash = req.payloadHash ?? UNSIGNED_PAYLOAD;
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(req.headers ?? {})) {
    if (v === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'x-amz-date' || lower === 'date') continue;
    headers[lower] = String(v);
  }
  headers['x-amz-date'] = datetime;
  headers['x-amz-content-sha256'] = payloadHash;
  if (opts.credentials.sessionToken) headers['x-amz-security-token'] = opts.credentials.sessionToken;
  const signedHeaders = Object.keys(headers)
    .filter((n) => !UNSIGNABLE_HEADERS.has(n))
    .sort(compareBytes);
  const query = sigV4WireQuery(req.query);
  const canonicalRequest = sigV4CanonicalRequest({
    method: req.method,
    canonicalUri: sigV4CanonicalUri(req.path),
    canonicalQuery: sigV4CanonicalQuery(parseRawQuery(query, { plusAsSpace: true })),
    canonicalHeaders: sigV4CanonicalHeaders(headers, signedHeaders),
    signedHeaders,
    payloadHash,
  });
  const stringToSign = sigV4StringToSign(crypto, datetime, scope, canonicalRequest);
  const signingKey = cachedSigV4SigningKey(crypto, opts.credentials.secretKey, date, opts.region, service);
  const signature = sigV4Signature(crypto, signingKey, stringToSign);
  headers['authorization'] =
    `${SIGV4_ALGORITHM} Credential=${opts.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  return {
    headers,
    query,
    signature,
    chunkContext: { signingKey, datetime, scope },
    canonicalRequest,
    stringToSign,
  };
}

export interface PresignV4Options extends SigV4SignOptions {
  /** X-Amz-Expires, 1..604800. */
  expiresSeconds: number;
}

/**
 * Presigns a request: returns the full query string to send (no '?'), the request's own query first and
 * `X-Amz-Signature` last. Signs `host` plus any other given headers; the payload is UNSIGNED-PAYLOAD unless
 * `payloadHash` says otherwise (then the client must send it as x-amz-content-sha256).
 *
 * @example
 * const query = presignV4(
 *   { method: 'GET', path: '/bucket/key.txt', headers: { host: 'localhost:9000' } },
 *   { credentials, region: 'us-east-1', nowMs: Date.now(), expiresSeconds: 3600 },
 *   crypto,
 * );
 * const url = `http://localhost:9000/bucket/key.txt?${query}`;
 */
export function presignV4(req: SigV4RequestToSign, opts: PresignV4Options, crypto: CryptoLike): string {
  if (
    !Number.isInteger(opts.expiresSeconds) ||
    opts.expiresSeconds < 1 ||
    opts.expiresSeconds > SIGV4_MAX_EXPIRES_SECONDS
  ) {
    throw new RangeError(`expiresSeconds must be an integer in 1..${SIGV4_MAX_EXPIRES_SECONDS}`);
  }
  const datetime = formatAmzDate(opts.nowMs);
  const date = datetime.slice(0, 8);
  const service = opts.service ?? 's3';
  const scope = sigV4Scope(date, opts.region, service);
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(req.headers ?? {})) {
    if (v !== undefined && !UNSIGNABLE_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = String(v);
  }
  const signedHeaders = Object.keys(headers).sort(compareBytes);
  const auth: Array<[string, string]> = [
    ['X-Amz-Algorithm', SIGV4_ALGORITHM],
    ['X-Amz-Credential', `${opts.credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', datetime],
    ['X-Amz-Expires', String(opts.expiresSeconds)],
    ['X-Amz-SignedHeaders', signedHeaders.join(';')],
  ];
  if (opts.credentials.sessionToken) auth.push(['X-Amz-Security-Token', opts.credentials.sessionToken]);
  const own = sigV4WireQuery(req.query);
  const query = [own, ...auth.map(([n, v]) => n + '=' + uriEncode(v, true))].filter((s) => s !== '').join('&');
  const canonicalRequest = sigV4CanonicalRequest({
    method: req.method,
    canonicalUri: sigV4CanonicalUri(req.path),
    canonicalQuery: sigV4CanonicalQuery(parseRawQuery(query, { plusAsSpace: true })),
    canonicalHeaders: sigV4CanonicalHeaders(headers, signedHeaders),
    signedHeaders,
    payloadHash: req.payloadHash ?? UNSIGNED_PAYLOAD,
  });
  const signingKey = cachedSigV4SigningKey(crypto, opts.credentials.secretKey, date, opts.region, service);
  const signature = sigV4Signature(crypto, signingKey, sigV4StringToSign(crypto, datetime, scope, canonicalRequest));
  return query + '&X-Amz-Signature=' + signature;
}

/**
 * COS "q-sign" request signatures (HMAC-SHA1), as cos-nodejs-sdk-v5 `util.getAuth` computes them.
 * https://intl.cloud.tencent.com/document/product/436/7778
 *
 * One implementation of each canonical form, used by `cosSign` (clients) and by the server's verifier.
 */
import { S3Error } from '../errors.js';
import { type CryptoLike, signHex } from './crypto-like.js';
import { percentDecode } from './query.js';

/**
 * Headers the COS SDKs put into the signature besides `x-cos-*` / `x-ci-*` (cos-nodejs-sdk-v5 util.js `signHeaders`).
 * A verifier must not use this list: it signs exactly what `q-header-list` names.
 */
export const COS_SIGNABLE_HEADERS: readonly string[] = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-length',
  'content-md5',
  'content-type',
  'expect',
  'expires',
  'host',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-unmodified-since',
  'origin',
  'range',
  'transfer-encoding',
  'pic-operations',
];

/** Default lifetime of a COS signature when neither `keyTime` nor `expires` says otherwise (SDK default). */
export const COS_DEFAULT_EXPIRES_SECONDS = 900;

/** `encodeURIComponent` plus `! ' ( ) *`, upper-case hex: the SDK's `camSafeUrlEncode`. */
export function cosEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** The name as it appears in `q-header-list` / `q-url-param-list` and on the left of a canonical pair. */
export function cosListName(name: string): string {
  return cosEncode(name).toLowerCase();
}

/** Whether the SDK signs a header of this name (it tests `includes`, not `startsWith`, for x-cos-/x-ci-). */
export function isCosSignableHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.includes('x-cos-') || lower.includes('x-ci-') || COS_SIGNABLE_HEADERS.includes(lower);
}

/** A name/value pair the signature covers, both un-encoded (the name as the client had it, any case). */
export interface CosSignedEntry {
  name: string;
  value: string;
}

/**
 * How the canonical pair string is ordered. The Node/JS SDKs list names sorted by their encoded form but build the
 * pair string sorted by the *raw* lower-cased name (`obj2str` → `getObjectKeys` without encoding); COS's docs and
 * the Go/Python SDKs sort the pairs by the encoded name. The two differ only for names with characters such as
 * `_` vs an escaped one, or non-ASCII, so a verifier tries 'sdk' and then 'encoded'.
 */
export type CosPairOrder = 'sdk' | 'encoded';

/** Plain code-unit order, as the SDK's comparator (`a > b`), never locale-aware. */
function compareCodeUnits(a: string, b: string): number {
  return a === b ? 0 : a > b ? 1 : -1;
}

/** `q-header-list` / `q-url-param-list`: encoded lower-case names, sorted, joined by ';'. */
export function cosNameList(entries: readonly CosSignedEntry[]): string {
  return entries
    .map((e) => cosListName(e.name))
    .sort(compareCodeUnits)
    .join(';');
}

/** The `name=value&…` line of the HttpString: names encoded and lower-cased, values encoded (case kept). */
export function cosPairString(entries: readonly CosSignedEntry[], order: CosPairOrder = 'sdk'): string {
  const keyed = entries.map((e) => ({
    listName: cosListName(e.name),
    sortKey: order === 'sdk' ? e.name.toLowerCase() : cosListName(e.name),
    value: e.value,
  }));
  keyed.sort((a, b) => compareCodeUnits(a.sortKey, b.sortKey));
  return keyed.map((k) => k.listName + '=' + cosEncode(k.value)).join('&');
}

export interface CosHttpStringInput {
  method: string;
  /** The un-encoded path (`/dir/hello world.txt`); path-style COS clients leave the bucket out. */
  pathname: string;
  params: readonly CosSignedEntry[];
  headers: readonly CosSignedEntry[];
  order?: CosPairOrder;
}

/** `method\npathname\nparams\nheaders\n` (COS calls it FormatString/HttpString). */
export function cosHttpString(input: CosHttpStringInput): string {
  const order = input.order ?? 'sdk';
  return [
    input.method.toLowerCase(),
    input.pathname,
    cosPairString(input.params, order),
    cosPairString(input.headers, order),
    '',
  ].join('\n');
}

/** SignKey = hex(HMAC-SHA1(SecretKey, KeyTime)); the hex string itself is the next HMAC's key. */
export function cosSignKey(crypto: CryptoLike, secretKey: string, keyTime: string): string {
  return signHex(crypto.hmac('sha1', secretKey, keyTime));
}

export function cosStringToSign(crypto: CryptoLike, signTime: string, httpString: string): string {
  return ['sha1', signTime, signHex(crypto.hash('sha1', httpString)), ''].join('\n');
}

export interface CosSignatureInput {
  secretKey: string;
  keyTime: string;
  signTime: string;
  httpString: string;
}

/** q-signature for a finished HttpString. */
export function cosSignature(crypto: CryptoLike, input: CosSignatureInput): string {
  const signKey = cosSignKey(crypto, input.secretKey, input.keyTime);
  return cosSignatureWithKey(crypto, signKey, input.signTime, input.httpString);
}

/** q-signature from an already derived SignKey (`cosSignKey`). */
export function cosSignatureWithKey(crypto: CryptoLike, signKey: string, signTime: string, httpString: string): string {
  return signHex(crypto.hmac('sha1', signKey, cosStringToSign(crypto, signTime, httpString)));
}

/**
 * SignKeys `cosSign` derived lately, per CryptoLike, keyed by KeyTime and SecretKey. A client signs every request
 * with a KeyTime that starts one second before now, so consecutive requests within a second share one SignKey:
 * one HMAC a request saved. Only the signing side (`cosSign`) uses it; the server's verifier derives each key.
 * Bounded: cleared when it holds SIGN_KEY_CACHE_ENTRIES keys.
 */
const signKeyCache = new WeakMap<CryptoLike, Map<string, string>>();
const SIGN_KEY_CACHE_ENTRIES = 64;

function cachedCosSignKey(crypto: CryptoLike, secretKey: string, keyTime: string): string {
  let keys = signKeyCache.get(crypto);
  if (!keys) {
    keys = new Map();
    signKeyCache.set(crypto, keys);
  }
  // KeyTime is `digits;digits`, so the newline cannot occur in it: the id is unambiguous.
  const id = keyTime + '\n' + secretKey;
  let key = keys.get(id);
  if (key === undefined) {
    if (keys.size >= SIGN_KEY_CACHE_ENTRIES) keys.clear();
    key = cosSignKey(crypto, secretKey, keyTime);
    keys.set(id, key);
  }
  return key;
}

export interface CosExpectedSignatureInput extends CosHttpStringInput {
  secretKey: string;
  keyTime: string;
  signTime: string;
}

/**
 * The q-signature a verifier expects, from the entries `cosListedEntries` built for the listed names.
 *
 * @example
 * const expected = cosExpectedSignature(crypto, {
 *   secretKey, keyTime: auth.keyTime, signTime: auth.signTime, method: 'GET', pathname: '/a.txt',
 *   params: cosListedEntries(auth.urlParamList, queryEntries),
 *   headers: cosListedEntries(auth.headerList, headerEntries),
 * });
 */
export function cosExpectedSignature(crypto: CryptoLike, input: CosExpectedSignatureInput): string {
  return cosSignature(crypto, {
    secretKey: input.secretKey,
    keyTime: input.keyTime,
    signTime: input.signTime,
    httpString: cosHttpString(input),
  });
}

/**
 * Picks, for each name a client listed, the entry it signed: the first not-yet-used candidate whose list form
 * equals the listed name. A listed name with no candidate signs as an empty value (COS treats it so).
 */
export function cosListedEntries(listed: readonly string[], candidates: readonly CosSignedEntry[]): CosSignedEntry[] {
  const used = new Set<number>();
  const listNames = candidates.map((c) => cosListName(c.name));
  return listed.map((name) => {
    for (let i = 0; i < candidates.length; i++) {
      if (!used.has(i) && listNames[i] === name) {
        used.add(i);
        return candidates[i]!;
      }
    }
    return { name: decodeListedName(name), value: '' };
  });
}

function decodeListedName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

interface CosSignBase {
  secretId: string;
  secretKey: string;
  method: string;
  /** The un-encoded path the client signs: '/' + Key (bucket-level calls: '/'). A missing leading '/' is added. */
  pathname: string;
  /** Every query parameter that will be on the URL, sub-resources with value ''. null/undefined sign as ''. */
  query?: Record<string, string | number | boolean | null | undefined>;
  /** Request headers; the COS whitelist is applied and empty/null values are dropped, as the SDK does. Include Host. */
  headers?: Record<string, string | number | boolean | null | undefined>;
}

/** Signature validity: an explicit `start;end` KeyTime, or a start (unix seconds) plus a lifetime. */
export type CosSignTime = { keyTime: string } | { startTime: number; expires?: number };

export type CosSignOptions = CosSignBase & CosSignTime;

/**
 * Signs a COS request and returns the Authorization string, byte-identical to `COS.getAuthorization` of
 * cos-nodejs-sdk-v5 for the headers the SDK actually sends (empty-valued ones removed). Use it as the
 * `Authorization` header, or append it as the query string of a presigned URL (then sign `host` only).
 *
 * @example
 * const authorization = cosSign(
 *   { secretId, secretKey, method: 'PUT', pathname: '/dir/a b.txt', headers: { Host: host, 'Content-Length': 5 },
 *     startTime: Math.floor(Date.now() / 1000) - 1, expires: 900 },
 *   crypto,
 * );
 */
export function cosSign(opts: CosSignOptions, crypto: CryptoLike): string {
  let keyTime: string;
  if ('keyTime' in opts) {
    keyTime = opts.keyTime;
  } else {
    const start = Math.floor(opts.startTime);
    keyTime = `${start};${start + Math.floor(opts.expires ?? COS_DEFAULT_EXPIRES_SECONDS)}`;
  }
  const params: CosSignedEntry[] = Object.entries(opts.query ?? {}).map(([name, v]) => ({
    name,
    value: v === undefined || v === null ? '' : String(v),
  }));
  const headers: CosSignedEntry[] = [];
  for (const [name, v] of Object.entries(opts.headers ?? {})) {
    if (v === undefined || v === null || v === '' || !isCosSignableHeader(name)) continue;
    headers.push({ name, value: String(v) });
  }
  const pathname = opts.pathname.startsWith('/') ? opts.pathname : '/' + opts.pathname;
  const httpString = cosHttpString({ method: opts.method, pathname, params, headers });
  const signature = cosSignatureWithKey(
    crypto,
    cachedCosSignKey(crypto, opts.secretKey, keyTime),
    keyTime,
    httpString,
  );
  return [
    'q-sign-algorithm=sha1',
    'q-ak=' + opts.secretId,
    'q-sign-time=' + keyTime,
    'q-key-time=' + keyTime,
    'q-header-list=' + cosNameList(headers),
    'q-url-param-list=' + cosNameList(params),
    'q-signature=' + signature,
  ].join('&');
}

/** The fields of a COS Authorization (header value, or the q-* items of a presigned URL's query). */
export interface CosAuthorization {
  algorithm: string;
  accessKeyId: string;
  signTime: string;
  keyTime: string;
  /** Listed header names, as listed (encoded, lower-case). */
  headerList: string[];
  /**
   * Listed query parameter names. More than one candidate when the raw field is ambiguous (a single name containing
   * '%' may or may not have been encoded once more, as `getObjectUrl` does); the verifier tries each.
   */
  urlParamLists: string[][];
  signature: string;
}

/**
 * Parses `q-sign-algorithm=sha1&q-ak=…&…&q-signature=…`. Accepts the raw query string of a presigned URL too (other
 * items are ignored; q-* values are percent-decoded). `q-url-param-list` may be %3b-separated (cos SDK
 * `getObjectUrl`). Missing fields: 403 AccessDenied (COS answers malformed signatures with AccessDenied).
 *
 * @example
 * parseCosAuthorization(req.headers.authorization).accessKeyId; // 'AKID…'
 */
export function parseCosAuthorization(s: string): CosAuthorization {
  const fields = new Map<string, string>();
  for (const item of s.split('&')) {
    const eq = item.indexOf('=');
    if (eq < 0) continue;
    const name = item.slice(0, eq).trim().toLowerCase();
    if (!name.startsWith('q-') || fields.has(name)) continue;
    // The key id is taken exactly as sent: a SecretId pasted with a trailing space is another key (COS
    // refuses it), not one to be trimmed into a valid one.
    const value = item.slice(eq + 1);
    fields.set(name, name === 'q-ak' ? value : value.trim());
  }
  const need = (name: string): string => {
    const v = fields.get(name);
    if (v === undefined || v === '') {
      throw new S3Error('AccessDenied', `The Authorization is malformed: ${name} is missing.`);
    }
    return v;
  };
  const decoded = (name: string): string => safeDecode(need(name));
  const signTime = decoded('q-sign-time');
  const keyTime = fields.get('q-key-time') ? decoded('q-key-time') : signTime;
  for (const [label, t] of [
    ['q-sign-time', signTime],
    ['q-key-time', keyTime],
  ] as const) {
    if (!/^\d+;\d+$/.test(t)) throw new S3Error('AccessDenied', `The Authorization is malformed: bad ${label}.`);
  }
  return {
    algorithm: decoded('q-sign-algorithm').toLowerCase(),
    accessKeyId: decoded('q-ak'),
    signTime,
    keyTime,
    headerList: splitList(fields.get('q-header-list') ?? '')[0]!,
    urlParamLists: splitList(fields.get('q-url-param-list') ?? ''),
    signature: decoded('q-signature').toLowerCase(),
  };
}

function safeDecode(s: string): string {
  try {
    return percentDecode(s);
  } catch {
    return s;
  }
}

/** Candidate readings of a name list (see `CosAuthorization.urlParamLists`). */
function splitList(raw: string): string[][] {
  const split = (s: string) =>
    s
      .split(';')
      .map((n) => n.trim().toLowerCase())
      .filter((n) => n !== '');
  if (raw.includes(';')) return [split(raw)];
  // Without a ';' the field is one encoded name (`k%3b` for a key `k;`) or a list encoded once more
  // (`a%3bb`, getObjectUrl): the verifier tries both readings.
  return raw.includes('%') ? [split(raw), split(safeDecode(raw))] : [split(raw)];
}

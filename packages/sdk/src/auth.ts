/**
 * Where a request's Authorization comes from: the permanent keys, a getAuthorization / getSTS callback, or cached
 * temporary keys (https://intl.cloud.tencent.com/document/product/436/7778). The signature itself is protocol's
 * `cosSign`, the same code the server
 * verifies with.
 */
import {
  type CosSignedEntry,
  type CryptoLike,
  cosHttpString,
  cosNameList,
  cosSign,
  cosSignature,
  isCosSignableHeader,
} from '@coffer/protocol';
import type { CachedCredentials, ClientCore } from './core.js';
import { invalidParameter } from './errors.js';
import type { Credentials, ScopeItem } from './types.js';

export interface AuthInput {
  method: string;
  bucket: string;
  region: string;
  /** The key as getAuthorization sees it (`bucket/key` with ForcePathStyle). */
  keyName: string;
  pathname: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** host[:port] to sign when no Host header is given. */
  signHost: string;
  scope: ScopeItem[];
  /** Signature lifetime in seconds (presigned URLs). */
  expires?: number;
}

export interface AuthData {
  /** Undefined when the client has no credentials at all: the request goes out anonymous. */
  Authorization?: string;
  SecurityToken?: string;
}

function nowSeconds(offsetMs: number): number {
  return Math.round((Date.now() + offsetMs) / 1000);
}

function signWith(
  crypto: CryptoLike,
  secretId: string,
  secretKey: string,
  input: AuthInput,
  offsetMs: number,
  startTime?: number,
  expiredTime?: number,
): string {
  const base = {
    secretId,
    secretKey,
    method: input.method,
    pathname: input.pathname,
    query: input.query,
    headers: input.headers,
  };
  if (startTime !== undefined && input.expires !== undefined) {
    return cosSign({ ...base, keyTime: `${startTime};${startTime + input.expires}` }, crypto);
  }
  if (startTime !== undefined && expiredTime !== undefined) {
    return cosSign({ ...base, keyTime: `${startTime};${expiredTime}` }, crypto);
  }
  return cosSign({ ...base, startTime: nowSeconds(offsetMs) - 1, expires: input.expires ?? 900 }, crypto);
}

function checkCredentials(c: Credentials): string | undefined {
  if (c.Authorization) {
    return /^q-sign-algorithm=/.test(c.Authorization) && !c.Authorization.includes(' ')
      ? undefined
      : 'getAuthorization callback params format error';
  }
  if (!c.TmpSecretId) return 'getAuthorization callback params missing "TmpSecretId"';
  if (!c.TmpSecretKey) return 'getAuthorization callback params missing "TmpSecretKey"';
  if (!c.SecurityToken && !c.XCosSecurityToken) return 'getAuthorization callback params missing "SecurityToken"';
  if (!c.ExpiredTime) return 'getAuthorization callback params missing "ExpiredTime"';
  if (String(c.ExpiredTime).length !== 10) return 'getAuthorization callback params "ExpiredTime" should be 10 digits';
  if (c.StartTime && String(c.StartTime).length !== 10) {
    return 'getAuthorization callback params "StartTime" should be 10 digits';
  }
  return undefined;
}

/** Calls a callback-style credential provider that may also return a Promise. */
function callProvider<A, R>(fn: (args: A, callback: (r: R) => void) => unknown, args: A): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    try {
      const returned = fn(args, resolve);
      if (returned && typeof (returned as Promise<R>).then === 'function')
        (returned as Promise<R>).then(resolve, reject);
    } catch (err) {
      reject(err);
    }
  });
}

/**
 * The Authorization (and token) for one request.
 *
 * @example
 * const { Authorization, SecurityToken } = await authorize(core, input);
 */
export async function authorize(core: ClientCore, input: AuthInput): Promise<AuthData> {
  const o = core.options;
  const headers: Record<string, string> = {};
  let hasHost = false;
  for (const [name, value] of Object.entries(input.headers)) {
    if (value === '') continue;
    headers[name] = value;
    if (name.toLowerCase() === 'host') hasHost = true;
  }
  if (!hasHost && input.signHost && o.ForceSignHost) headers.Host = input.signHost;
  const signed: AuthInput = { ...input, headers };
  // Only the temporary-key cache needs the scope's key: a client with permanent keys skips it.
  let scopeKeyText: string | undefined;
  const scopeKey = (): string => (scopeKeyText ??= JSON.stringify(input.scope));

  const signWithTemporary = (c: CachedCredentials): AuthData => ({
    Authorization: signWith(
      core.platform.crypto,
      c.TmpSecretId!,
      c.TmpSecretKey!,
      signed,
      o.SystemClockOffset,
      c.StartTime,
      c.ExpiredTime,
    ),
    SecurityToken: c.SecurityToken ?? c.XCosSecurityToken ?? '',
  });

  // Cached temporary keys with more than a minute left.
  const now = nowSeconds(o.SystemClockOffset);
  if (core.stsCache.length > 0) {
    core.stsCache = core.stsCache.filter((c) => !(c.StartTime && now + 30 < c.StartTime) && now + 30 < c.ExpiredTime!);
    const cached = core.stsCache.findLast((c) => !c.ScopeLimit || c.scopeKey === scopeKey());
    if (cached && cached.ExpiredTime! - now > 60) return signWithTemporary(cached);
  }

  if (o.getAuthorization) {
    const got = await callProvider(o.getAuthorization.bind(undefined), {
      Bucket: input.bucket,
      Region: input.region,
      Method: input.method,
      Key: input.keyName,
      Pathname: input.pathname,
      Query: input.query,
      Headers: headers,
      Scope: input.scope,
      SystemClockOffset: o.SystemClockOffset,
      ForceSignHost: o.ForceSignHost,
    });
    const credentials: Credentials = typeof got === 'string' ? { Authorization: got } : (got ?? {});
    const problem = checkCredentials(credentials);
    if (problem) throw invalidParameter(problem);
    if (credentials.Authorization) {
      return {
        Authorization: credentials.Authorization,
        SecurityToken: credentials.SecurityToken ?? credentials.XCosSecurityToken ?? '',
      };
    }
    const entry: CachedCredentials = { ...credentials, scopeKey: scopeKey() };
    core.stsCache.push(entry);
    return signWithTemporary(entry);
  }
  if (o.getSTS) {
    const got = await callProvider(o.getSTS.bind(undefined), { Bucket: input.bucket, Region: input.region });
    const credentials: Credentials = {
      ...got,
      TmpSecretId: got.TmpSecretId ?? (got as { SecretId?: string }).SecretId,
      TmpSecretKey: got.TmpSecretKey ?? (got as { SecretKey?: string }).SecretKey,
    };
    const problem = checkCredentials(credentials);
    if (problem) throw invalidParameter(problem);
    const entry: CachedCredentials = { ...credentials, scopeKey: scopeKey() };
    core.stsCache.push(entry);
    return signWithTemporary(entry);
  }
  if (!o.SecretId && !o.SecretKey) return {};
  if (!o.SecretId) throw invalidParameter('missing param SecretId');
  if (!o.SecretKey) throw invalidParameter('missing param SecretKey');
  return {
    Authorization: signWith(core.platform.crypto, o.SecretId, o.SecretKey, signed, o.SystemClockOffset),
    SecurityToken: o.SecurityToken,
  };
}

/** Parameters of `COS.getAuthorization`, as Tencent's static of that name takes them. */
export interface GetAuthorizationParams {
  SecretId: string;
  SecretKey: string;
  Method?: string;
  /** Object key (a leading '/' is added). */
  Key?: string;
  /** Or the whole path to sign. */
  Pathname?: string;
  Query?: Record<string, string | number | undefined>;
  Headers?: Record<string, string | number | undefined>;
  /** Lifetime in seconds (default 900). */
  Expires?: number;
  /** An explicit `start;end`. */
  KeyTime?: string;
  /** With Region: signs Host `<Bucket>.cos.<Region>.myqcloud.com` when Headers has none. */
  Bucket?: string;
  Region?: string;
  SystemClockOffset?: number;
  ForceSignHost?: boolean;
}

/**
 * A COS Authorization string, byte-for-byte what Tencent's `COS.getAuthorization` computes. Unlike a request's
 * signature (`cosSign`, which drops empty headers because they are not sent), this signs a whitelisted header with
 * an empty or undefined value as `name=`, as Tencent's static does; it is built from the same protocol primitives.
 *
 * @example
 * COS.getAuthorization({ SecretId, SecretKey, Method: 'get', Key: 'a.txt', Headers: { Host: host } });
 */
export function getAuthorization(params: GetAuthorizationParams, crypto: CryptoLike): string {
  if (!params.SecretId) throw invalidParameter('missing param SecretId');
  if (!params.SecretKey) throw invalidParameter('missing param SecretKey');
  const headers: CosSignedEntry[] = [];
  let hasHost = false;
  for (const [name, value] of Object.entries(params.Headers ?? {})) {
    if (name.toLowerCase() === 'host') hasHost = true;
    if (isCosSignableHeader(name))
      headers.push({ name, value: value === undefined || value === null ? '' : String(value) });
  }
  if (!hasHost && params.Bucket && params.Region && params.ForceSignHost !== false) {
    headers.push({ name: 'Host', value: `${params.Bucket}.cos.${params.Region}.myqcloud.com` });
  }
  const query: CosSignedEntry[] = Object.entries(params.Query ?? {}).map(([name, value]) => ({
    name,
    value: value === undefined || value === null ? '' : String(value),
  }));
  let keyTime = params.KeyTime;
  if (!keyTime) {
    const start = nowSeconds(params.SystemClockOffset ?? 0) - 1;
    keyTime = `${start};${start + (params.Expires ?? 900)}`;
  }
  const rawPath = params.Pathname ?? params.Key ?? '';
  const pathname = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  const httpString = cosHttpString({ method: params.Method ?? 'get', pathname, params: query, headers });
  const signature = cosSignature(crypto, { secretKey: params.SecretKey, keyTime, signTime: keyTime, httpString });
  return [
    'q-sign-algorithm=sha1',
    `q-ak=${params.SecretId}`,
    `q-sign-time=${keyTime}`,
    `q-key-time=${keyTime}`,
    `q-header-list=${cosNameList(headers)}`,
    `q-url-param-list=${cosNameList(query)}`,
    `q-signature=${signature}`,
  ].join('&');
}

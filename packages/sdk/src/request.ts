/**
 * One API request: URL, default headers, signature, send, parse, retry (as Tencent's
 * https://github.com/tencentyun/cos-nodejs-sdk-v5/blob/master/sdk/base.js does; docs/sdk.md). Retries
 * network errors and 5xx with exponential backoff and never a 4xx, except once after correcting clock skew.
 */
import { cosEncode, signV4Headers } from '@coffer/protocol';
import { authorize } from './auth.js';
import type { ClientCore } from './core.js';
import { isAbortError, S3ServiceError, SDK_ERROR_CODES } from './errors.js';
import type { TransportBody, TransportResponse } from './platform/types.js';
import type { ScopeItem } from './types.js';
import { hostOf, objectUrl, signedPathname } from './url.js';
import { type JsonObject, parseBody } from './xml.js';

/** Diagnostics channels (node:diagnostics_channel on Node; the SDK never logs). */
export const DIAGNOSTICS_CHANNELS = {
  /** `{ method, url, attempt }` before each attempt. */
  requestStart: 'coffer:sdk:request:start',
  /** `{ method, url, attempt, statusCode, durationMs }` when a response arrived (any status). */
  requestEnd: 'coffer:sdk:request:end',
  /** `{ method, url, attempt, error, durationMs }` when an attempt failed without a response. */
  requestError: 'coffer:sdk:request:error',
  /** `{ method, url, attempt, delayMs, reason }` before a retry. */
  requestRetry: 'coffer:sdk:request:retry',
} as const;

export const SDK_USER_AGENT = 'coffer-sdk-js/0.1.0';

export interface RequestSpec {
  /** CAM action (`name/cos:GetObject`), for getAuthorization's Scope. */
  action?: string;
  scope?: ScopeItem[];
  method: string;
  bucket?: string;
  region?: string;
  key?: string;
  /** Absolute URL (getService); otherwise built from bucket/region/key. */
  url?: string;
  /** Sub-resource (`acl`, `uploads`, …): first in the query, with an empty value. */
  subresource?: string;
  query?: Record<string, string | number | boolean | undefined | null>;
  headers?: Record<string, unknown>;
  body?: TransportBody;
  /** Known body length (sets Content-Length when no header does). */
  bodySizeBytes?: number;
  /** Content-Type for the body when none is given. */
  bodyContentType?: string;
  /** False for a stream: it cannot be sent twice, so no retries. */
  replayable?: boolean;
  /** Copy and Complete may answer 200 with an `<Error>` body. */
  errorIn2xx?: boolean;
  /** Keep the 2xx body as bytes instead of parsing it. */
  rawBody?: boolean;
  /** Retries after network errors / 5xx (default: the MaxRetries option). */
  retries?: number;
  signal?: AbortSignal;
  onUploadProgress?(loadedBytes: number): void;
  /** See TransportRequest.onBodyChunk: every attempt starts again at offset 0. */
  onBodyChunk?(chunk: Uint8Array, offset: number): void;
  onDownloadProgress?(loadedBytes: number, totalBytes: number | undefined): void;
  output?: unknown;
}

export interface ResponseData {
  statusCode: number;
  headers: Record<string, string>;
  /** The body's bytes (empty when it went to `output`). */
  body: Uint8Array;
  /** The body parsed (XML/JSON object, or text); `{}` for rawBody requests. */
  data: JsonObject | string;
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function buildQueryString(subresource: string | undefined, query: Record<string, string>): string {
  const items: string[] = [];
  if (subresource) items.push(`${cosEncode(subresource)}=`);
  for (const [name, value] of Object.entries(query)) items.push(`${cosEncode(name)}=${cosEncode(value)}`);
  return items.length > 0 ? `?${items.join('&')}` : '';
}

const decoder = new TextDecoder();

/** Turns an error response into the SDK error, as Tencent's SDK reads it (§5.1). */
export function responseError(res: TransportResponse, data: JsonObject | string, url: string, method: string) {
  const errorBody = typeof data === 'object' ? data.Error : undefined;
  const requestId = res.headers['x-cos-request-id'] ?? res.headers['x-ci-request-id'];
  const common = {
    statusCode: res.statusCode,
    headers: res.headers,
    url,
    method,
    ...(requestId !== undefined ? { requestId } : {}),
  };
  if (errorBody !== undefined && typeof errorBody === 'object' && !Array.isArray(errorBody)) {
    const code = typeof errorBody.Code === 'string' ? errorBody.Code : String(res.statusCode);
    const message = typeof errorBody.Message === 'string' ? errorBody.Message : res.statusMessage;
    return new S3ServiceError({ ...common, code, message, error: errorBody });
  }
  return new S3ServiceError({ ...common, code: String(res.statusCode), message: res.statusMessage || 'Error' });
}

function transportError(err: unknown, url: string, method: string): S3ServiceError {
  if (err instanceof S3ServiceError) return err;
  const e = err as { code?: string; message?: string; name?: string };
  const code = isAbortError(err)
    ? SDK_ERROR_CODES.aborted
    : e.code === 'ETIMEDOUT'
      ? SDK_ERROR_CODES.timeout
      : SDK_ERROR_CODES.network;
  const error = new S3ServiceError({ code, message: e.message ?? String(err), url, method, cause: err });
  if (code === SDK_ERROR_CODES.aborted) error.name = 'AbortError';
  return error;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(transportError(Object.assign(new Error('aborted'), { name: 'AbortError' }), '', ''));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(transportError(Object.assign(new Error('aborted'), { name: 'AbortError' }), '', ''));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const RETRYABLE_2XX_CODES = new Set(['InternalError', 'SlowDown', 'ServiceUnavailable']);

/**
 * Sends one API request with retries; resolves with the response on 2xx, rejects with S3ServiceError otherwise.
 *
 * @example
 * const res = await submitRequest(core, { action: 'name/cos:GetBucket', method: 'GET', bucket, region, query: { prefix: '' } });
 */
export async function submitRequest(core: ClientCore, spec: RequestSpec): Promise<ResponseData> {
  const o = core.options;
  const platform = core.platform;
  const method = spec.method.toUpperCase();
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.query ?? {})) {
    if (value !== undefined && value !== null) query[name] = String(value);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    if (value !== undefined && value !== null) headers[name] = String(value);
  }
  headers['User-Agent'] = o.UserAgent || SDK_USER_AGENT;
  if (spec.body !== undefined) {
    if (headerValue(headers, 'content-length') === undefined && spec.bodySizeBytes !== undefined) {
      headers['Content-Length'] = String(spec.bodySizeBytes);
    }
    if (headerValue(headers, 'content-type') === undefined && spec.bodyContentType) {
      headers['Content-Type'] = spec.bodyContentType;
    }
  } else if (
    method !== 'GET' &&
    !(method === 'HEAD' && platform.name === 'browser') &&
    headerValue(headers, 'content-length') === undefined
  ) {
    // Signed as Tencent's SDK signs it (Content-Length: 0), except a HEAD in a browser: a browser sends no
    // Content-Length on a HEAD, so a signature naming it would never match (HEAD Bucket from the console).
    headers['Content-Length'] = '0';
  }

  const baseUrl =
    spec.url ?? objectUrl(o, platform.defaultProtocol(), spec.bucket ?? '', spec.region ?? '', spec.key ?? undefined);
  const url = baseUrl + buildQueryString(spec.subresource, query);
  const signQuery: Record<string, string> = { ...query };
  if (spec.subresource) signQuery[spec.subresource] = '';
  const keyName = o.ForcePathStyle && spec.bucket ? `${spec.bucket}/${spec.key ?? ''}` : (spec.key ?? '');
  const scope = spec.scope ?? [
    { action: spec.action ?? '', bucket: spec.bucket ?? '', region: spec.region ?? '', prefix: spec.key ?? '' },
  ];
  const maxRetries = spec.replayable === false ? 0 : (spec.retries ?? o.MaxRetries);
  let skewCorrected = false;

  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) headers['x-cos-sdk-retry'] = 'true';
    const sent = o.SignatureVersion === 'v4' ? signV4(core, method, url, spec.region, headers) : undefined;
    const auth = sent
      ? {}
      : await authorize(core, {
          method,
          bucket: spec.bucket ?? '',
          region: spec.region ?? '',
          keyName,
          pathname: spec.url ? '/' : signedPathname(o, spec.bucket, spec.key),
          query: signQuery,
          headers,
          signHost: hostOf(baseUrl),
          scope,
        });
    const wire: Record<string, string> = sent ?? { ...headers };
    if (auth.Authorization) wire.Authorization = auth.Authorization;
    if (auth.SecurityToken) wire['x-cos-security-token'] = auth.SecurityToken;

    const started = Date.now();
    platform.publish(DIAGNOSTICS_CHANNELS.requestStart, { method, url, attempt });
    let res: TransportResponse;
    let failure: S3ServiceError;
    try {
      res = await platform.send({
        method,
        url,
        ...(o.Ip ? { connectTo: o.Ip } : {}),
        headers: wire,
        ...(spec.body !== undefined ? { body: spec.body } : {}),
        ...(spec.signal ? { signal: spec.signal } : {}),
        timeoutMs: o.Timeout,
        keepAlive: o.KeepAlive,
        ...(spec.onUploadProgress ? { onUploadProgress: spec.onUploadProgress } : {}),
        ...(spec.onBodyChunk ? { onBodyChunk: spec.onBodyChunk } : {}),
        ...(spec.onDownloadProgress ? { onDownloadProgress: spec.onDownloadProgress } : {}),
        ...(spec.output !== undefined ? { output: spec.output } : {}),
      });
    } catch (err) {
      failure = transportError(err, url, method);
      platform.publish(DIAGNOSTICS_CHANNELS.requestError, {
        method,
        url,
        attempt,
        error: failure,
        durationMs: Date.now() - started,
      });
      if (failure.code === SDK_ERROR_CODES.aborted || spec.signal?.aborted || attempt > maxRetries) throw failure;
      await retryPause(core, spec, url, method, attempt, failure.code);
      continue;
    }
    platform.publish(DIAGNOSTICS_CHANNELS.requestEnd, {
      method,
      url,
      attempt,
      statusCode: res.statusCode,
      durationMs: Date.now() - started,
    });
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    if (ok && spec.rawBody) return { statusCode: res.statusCode, headers: res.headers, body: res.body, data: {} };
    const data = parseBody(decoder.decode(res.body));
    const errorIn2xx = ok && spec.errorIn2xx && typeof data === 'object' && data.Error !== undefined;
    if (ok && !errorIn2xx) return { statusCode: res.statusCode, headers: res.headers, body: res.body, data };

    failure = responseError(res, data, url, method);
    if (!skewCorrected && o.CorrectClockSkew && correctClockSkew(core, failure)) {
      skewCorrected = true;
      attempt--;
      continue;
    }
    const retryable = errorIn2xx ? RETRYABLE_2XX_CODES.has(failure.code) : res.statusCode >= 500;
    if (!retryable || attempt > maxRetries) throw failure;
    await retryPause(core, spec, url, method, attempt, failure.code);
  }
}

async function retryPause(
  core: ClientCore,
  spec: RequestSpec,
  url: string,
  method: string,
  attempt: number,
  reason: string,
): Promise<void> {
  // Exponential backoff with jitter: 1x, 2x, 4x … the base delay, each scaled by a random 0.5–1.
  const delayMs = Math.min(10_000, core.options.RetryDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
  core.platform.publish(DIAGNOSTICS_CHANNELS.requestRetry, { method, url, attempt, delayMs, reason });
  await sleep(delayMs, spec.signal);
}

/**
 * RequestTimeTooSkewed, or AccessDenied "Request has expired", with a server clock 30 s or more away from ours:
 * adopt the server's clock (Tencent's sdk/base.js getRetryInfo). Returns whether the request should be sent again.
 */
function correctClockSkew(core: ClientCore, err: S3ServiceError): boolean {
  const message = typeof err.error?.Message === 'string' ? err.error.Message : '';
  const isTimeError =
    err.code === 'RequestTimeTooSkewed' || (err.code === 'AccessDenied' && message === 'Request has expired');
  if (!isTimeError) return false;
  const serverDate =
    err.headers?.date ?? (typeof err.error?.ServerTime === 'string' ? err.error.ServerTime : undefined);
  if (!serverDate) return false;
  const serverTime = Date.parse(serverDate);
  if (Number.isNaN(serverTime)) return false;
  if (Math.abs(Date.now() + core.options.SystemClockOffset - serverTime) < 30_000) return false;
  core.options.SystemClockOffset = serverTime - Date.now();
  return true;
}

/** Text of a response body. */
export function bodyText(body: Uint8Array): string {
  return decoder.decode(body);
}

/**
 * The headers of a SigV4-signed request (the `SignatureVersion: 'v4'` option), signed over the path and query
 * exactly as they go on the wire: `new URL()` would normalise `.`/`..` segments of a key, so the URL is split by hand.
 */
function signV4(
  core: ClientCore,
  method: string,
  url: string,
  region: string | undefined,
  headers: Record<string, string>,
): Record<string, string> {
  const o = core.options;
  if (!o.SecretId || !o.SecretKey)
    throw new S3ServiceError({
      code: SDK_ERROR_CODES.invalidParameter,
      message: "SignatureVersion 'v4' needs SecretId and SecretKey",
    });
  const afterScheme = url.replace(/^https?:\/\//, '');
  const slash = afterScheme.indexOf('/');
  const pathAndQuery = slash < 0 ? '/' : afterScheme.slice(slash);
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q < 0 ? '' : pathAndQuery.slice(q + 1);
  const signed = signV4Headers(
    { method, path, query, headers: { ...headers, host: hostOf(url) } },
    {
      credentials: {
        accessKeyId: o.SecretId,
        secretKey: o.SecretKey,
        ...(o.SecurityToken ? { sessionToken: o.SecurityToken } : {}),
      },
      region: region || o.SigV4Region,
      nowMs: Date.now() + o.SystemClockOffset,
    },
    core.platform.crypto,
  );
  delete signed.headers.host;
  return signed.headers;
}

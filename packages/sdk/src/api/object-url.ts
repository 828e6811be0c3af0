/**
 * getObjectUrl: an object's URL, presigned (the q-* Authorization as the query string,
 * https://intl.cloud.tencent.com/document/product/436/7778) or
 * plain. Returns the URL at once when it can be signed synchronously (permanent keys, or Sign: false), and also
 * calls the callback with `{ Url }`.
 */
import { cosEncode, cosSign } from '@coffer/protocol';
import { authorize } from '../auth.js';
import type { ClientCore } from '../core.js';
import type { S3ServiceError } from '../errors.js';
import { hostOf, objectUrl, signedPathname } from '../url.js';

export interface GetObjectUrlParams {
  Bucket: string;
  Region: string;
  Key: string;
  /** false: no signature (for public objects). Default true. */
  Sign?: boolean;
  /** Method the URL is for (default GET). */
  Method?: string;
  /** Lifetime of the signature in seconds (default 900). */
  Expires?: number;
  /** Query parameters, signed (e.g. `response-content-disposition`). */
  Query?: Record<string, string>;
  /** Appended unsigned. */
  QueryString?: string;
  /** Headers the request will carry, signed. */
  Headers?: Record<string, string>;
  Protocol?: string;
  Domain?: string;
  UseAccelerate?: boolean;
}

/** Tencent's `obj2str`: sorted by name, names and values encoded. */
function queryString(query: Record<string, string> | undefined): string {
  if (!query) return '';
  return Object.keys(query)
    .sort((a, b) => {
      const x = a.toLowerCase();
      const y = b.toLowerCase();
      return x === y ? 0 : x > y ? 1 : -1;
    })
    .map((name) => `${cosEncode(name)}=${cosEncode(query[name] ?? '')}`)
    .join('&');
}

/**
 * The URL; see `COS.getObjectUrl`.
 *
 * @example
 * const url = getObjectUrl(core, { Bucket, Region, Key: 'a.txt', Expires: 60 });
 */
export function getObjectUrl(
  core: ClientCore,
  params: GetObjectUrlParams,
  callback?: (err: S3ServiceError | null, data: { Url: string }) => void,
): string {
  const o = core.options;
  const options = {
    ...o,
    Protocol: params.Protocol ?? o.Protocol,
    Domain: params.Domain ?? o.Domain,
    UseAccelerate: params.UseAccelerate ?? o.UseAccelerate,
  };
  const url = objectUrl(options, core.platform.defaultProtocol(), params.Bucket, params.Region, params.Key);
  let query = queryString(params.Query);
  if (params.QueryString) query += (query ? '&' : '') + params.QueryString;
  if (params.Sign === false) {
    const plain = query ? `${url}?${query}` : url;
    callback?.(null, { Url: plain });
    return plain;
  }
  const method = (params.Method ?? 'get').toLowerCase();
  const headers: Record<string, string> = { ...params.Headers };
  const pathname = signedPathname(o, params.Bucket, params.Key);
  const signHost = hostOf(url);
  const withQuery = (signed: string) => signed + (query ? `&${query}` : '');
  if (callback) {
    authorize(core, {
      method,
      bucket: params.Bucket,
      region: params.Region,
      keyName: o.ForcePathStyle ? `${params.Bucket}/${params.Key}` : params.Key,
      pathname,
      query: { ...params.Query },
      headers,
      signHost,
      scope: [
        {
          action: method === 'put' ? 'name/cos:PutObject' : 'name/cos:GetObject',
          bucket: params.Bucket,
          region: params.Region,
          prefix: params.Key,
        },
      ],
      ...(params.Expires !== undefined ? { expires: params.Expires } : {}),
    }).then(
      (auth) => {
        if (!auth.Authorization) {
          callback(null, { Url: query ? `${url}?${query}` : url });
          return;
        }
        // As Tencent's SDK: in the async form q-url-param-list is encoded once more (';' → '%3b').
        const authorization = auth.Authorization.replace(
          /q-url-param-list=([^&]*)/,
          (_, list: string) => `q-url-param-list=${encodeURIComponent(list).toLowerCase()}`,
        );
        const token = auth.SecurityToken ? `&x-cos-security-token=${auth.SecurityToken}` : '';
        callback(null, { Url: withQuery(`${url}?${authorization}${token}`) });
      },
      (err: S3ServiceError) => callback(err, { Url: '' }),
    );
  }
  if (o.getAuthorization || o.getSTS || !o.SecretId || !o.SecretKey) return query ? `${url}?${query}` : url;
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'host') && o.ForceSignHost) headers.Host = signHost;
  const authorization = cosSign(
    {
      secretId: o.SecretId,
      secretKey: o.SecretKey,
      method,
      pathname,
      query: { ...params.Query },
      headers,
      startTime: Math.round((Date.now() + o.SystemClockOffset) / 1000) - 1,
      expires: params.Expires ?? 900,
    },
    core.platform.crypto,
  );
  const token = o.SecurityToken ? `&x-cos-security-token=${o.SecurityToken}` : '';
  return withQuery(`${url}?${authorization}${token}`);
}

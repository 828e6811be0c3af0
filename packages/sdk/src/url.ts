/**
 * Request URLs from the Domain / ServiceDomain templates, as Tencent's `getUrl` builds them
 * (https://github.com/tencentyun/cos-nodejs-sdk-v5/blob/master/sdk/base.js),
 * plus real path style (`ForcePathStyle`).
 */
import { cosEncode } from '@coffer/protocol';
import type { ResolvedOptions } from './options.js';

/** Regions whose default host has no `cos.` (Tencent's legacy names). */
const LEGACY_REGIONS = ['cn-south', 'cn-south-2', 'cn-north', 'cn-east', 'cn-southwest', 'sg'];

/** A key as it appears in a URL path: percent-encoded like the signature's values, but '/' kept. */
export function encodeKey(key: string): string {
  return cosEncode(key).replace(/%2F/g, '/');
}

/** 'http' / 'http:' / '' → 'http:' / 'http:' / the platform default. */
export function normalizeProtocol(protocol: string | undefined, fallback: 'http:' | 'https:'): string {
  if (!protocol) return fallback;
  return protocol.endsWith(':') ? protocol : `${protocol}:`;
}

export interface UrlParts {
  protocol: string;
  domain: string;
  forcePathStyle: boolean;
  bucket: string;
  region: string;
  key?: string;
  /** Without the scheme, as Tencent reports `Location`. */
  isLocation?: boolean;
}

/**
 * The URL of a bucket (`key` undefined) or an object.
 *
 * @example
 * bucketUrl({ protocol: 'https:', domain: '', forcePathStyle: false, bucket: 'b-1250000000', region: 'ap-beijing',
 * key: 'a b' })
 * // 'https://b-1250000000.cos.ap-beijing.myqcloud.com/a%20b'
 */
export function bucketUrl(p: UrlParts): string {
  const longBucket = p.bucket;
  const dash = longBucket.lastIndexOf('-');
  const shortBucket = dash >= 0 ? longBucket.slice(0, dash) : longBucket;
  const appId = dash >= 0 ? longBucket.slice(dash + 1) : '';
  let domain = p.domain;
  if (!domain) {
    domain = LEGACY_REGIONS.includes(p.region) ? '{Region}.myqcloud.com' : 'cos.{Region}.myqcloud.com';
    if (!p.forcePathStyle) domain = `{Bucket}.${domain}`;
  }
  domain = domain
    .replace(/\{\{AppId\}\}/gi, appId)
    .replace(/\{\{Bucket\}\}/gi, shortBucket)
    .replace(/\{\{Region\}\}/gi, p.region)
    .replace(/\{\{.*?\}\}/gi, '');
  domain = domain
    .replace(/\{AppId\}/gi, appId)
    .replace(/\{BucketName\}/gi, shortBucket)
    .replace(/\{Bucket\}/gi, longBucket)
    .replace(/\{Region\}/gi, p.region)
    .replace(/\{.*?\}/gi, '');
  if (!/^[a-zA-Z]+:\/\//.test(domain)) domain = `${p.protocol}//${domain}`;
  if (domain.endsWith('/')) domain = domain.slice(0, -1);
  let url = domain;
  if (p.forcePathStyle) url += `/${longBucket}`;
  url += '/';
  if (p.key) url += encodeKey(p.key);
  return p.isLocation ? url.replace(/^https?:\/\//, '') : url;
}

/** The URL getService goes to. */
export function serviceUrl(options: ResolvedOptions, fallbackProtocol: 'http:' | 'https:', region?: string): string {
  const protocol = normalizeProtocol(options.Protocol, fallbackProtocol);
  let domain = options.ServiceDomain;
  if (domain) {
    domain = domain
      .replace(/\{\{AppId\}\}/gi, '')
      .replace(/\{\{Region\}\}/gi, region ?? '')
      .replace(/\{\{.*?\}\}/gi, '');
    if (!/^[a-zA-Z]+:\/\//.test(domain)) domain = `${protocol}//${domain}`;
    if (domain.endsWith('/')) domain = domain.slice(0, -1);
    return domain;
  }
  return region ? `${protocol}//cos.${region}.myqcloud.com` : `${protocol}//service.cos.myqcloud.com`;
}

/** `host[:port]` of a URL: the value signed as Host. */
export function hostOf(url: string): string {
  return url.replace(/^https?:\/\/([^/]+)(\/.*)?$/, '$1');
}

/** The object URL for a bucket/key under the client's options. */
export function objectUrl(
  options: ResolvedOptions,
  fallbackProtocol: 'http:' | 'https:',
  bucket: string,
  region: string,
  key?: string,
  isLocation = false,
): string {
  return bucketUrl({
    protocol: normalizeProtocol(options.Protocol, fallbackProtocol),
    domain: options.Domain,
    forcePathStyle: options.ForcePathStyle,
    bucket,
    region: options.UseAccelerate ? 'accelerate' : region,
    ...(key !== undefined ? { key } : {}),
    isLocation,
  });
}

/**
 * The path the signature covers: '/' + Key (the bucket is in the host, or in a Domain template's path, which
 * Tencent's SDK leaves unsigned), or '/' + Bucket + '/' + Key with ForcePathStyle.
 */
export function signedPathname(options: ResolvedOptions, bucket: string | undefined, key: string | undefined): string {
  const keyName = key ?? '';
  return options.ForcePathStyle && bucket ? `/${bucket}/${keyName}` : `/${keyName}`;
}

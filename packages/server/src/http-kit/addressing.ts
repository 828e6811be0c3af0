import { S3Error } from '@coffer/protocol';

/** Where a request points once Host and path are read: the service, a bucket, or an object. */
export interface Address {
  style: 'path' | 'virtual';
  bucket?: string;
  key?: string;
  /** True for Coffer's own paths under /-/ (health, admin), which no bucket can shadow. */
  internal: boolean;
  /** The path below /-/ for internal requests. */
  internalPath?: string;
  /** An S3 Control API request (api/s3-control.ts): its path, /v20180820/… */
  s3Control?: string;
}

// `<bucket>.cos.<region>.myqcloud.com` (and tencentcos.cn): what COS SDKs send with their `Ip` option.
const COS_HOST = /^(.+)\.cos(?:v6|-cdc|-internal)?\.[a-z0-9-]+\.(?:myqcloud\.com|tencentcos\.cn)$/;
// `<bucket>.s3.<region>.amazonaws.com` / `<bucket>.s3.amazonaws.com` for S3 clients in virtual-host mode.
const S3_HOST = /^(.+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/;

/** The bucket a Host header names in virtual-host style, if it names one. */
export function bucketFromHost(hostHeader: string | undefined, domain: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  const host = stripPort(hostHeader.toLowerCase());
  if (domain && host.endsWith(`.${domain}`)) {
    const bucket = host.slice(0, -(domain.length + 1));
    return bucket === '' ? undefined : bucket;
  }
  return COS_HOST.exec(host)?.[1] ?? S3_HOST.exec(host)?.[1];
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}

/** Decodes a percent-encoded path piece; malformed encodings are 400 InvalidURI. ('+' stays '+'.) */
export function decodePathPart(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new S3Error('InvalidURI', "Couldn't parse the specified URI: it is not valid percent-encoded UTF-8.");
  }
}

/**
 * Resolves a request's target. Virtual-host style (Host names a bucket under the configured domain,
 * or a COS/S3 host name) takes the whole path as the key; path style takes the first segment as the
 * bucket. Either way an empty key means the bucket itself.
 */
export function resolveAddress(hostHeader: string | undefined, rawPath: string, domain: string | undefined): Address {
  const bucket = bucketFromHost(hostHeader, domain);
  if (bucket !== undefined) {
    const key = decodePathPart(rawPath.slice(1));
    return { style: 'virtual', bucket, ...(key !== '' ? { key } : {}), internal: false };
  }
  if (rawPath === '/' || rawPath === '') return { style: 'path', internal: false };
  const slash = rawPath.indexOf('/', 1);
  const first = decodePathPart(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
  if (first === '-') return { style: 'path', internal: true, internalPath: slash < 0 ? '/' : rawPath.slice(slash) };
  const key = slash < 0 ? '' : decodePathPart(rawPath.slice(slash + 1));
  return { style: 'path', bucket: first, ...(key !== '' ? { key } : {}), internal: false };
}

import { S3Error } from '@coffer/protocol';
import { bucketFromHost, decodePathPart } from './addressing.js';

export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

/**
 * Parses x-cos-copy-source / x-amz-copy-source: `/bucket/key`, `bucket/key`, COS's
 * `<bucket-appid>.cos.<region>.myqcloud.com/key` (any such host, or one under our own domain),
 * each with an optional `?versionId=`. The key part is URL-decoded.
 */
export function parseCopySource(value: string, domain: string | undefined): CopySource {
  const invalid = () =>
    new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', {
      details: { ArgumentName: 'x-amz-copy-source', ArgumentValue: value },
    });
  // Encoded whole, slashes too (`encodeURIComponent('bucket/key')`, a common JS idiom): decoded once,
  // as S3 does, and then taken literally.
  const wholeEncoded = !value.replace(/^\/+/, '').split('?')[0]!.includes('/') && /%2f/i.test(value);
  const source = wholeEncoded ? decodePathPart(value) : value;
  const decode = wholeEncoded ? (s: string) => s : decodePathPart;
  const q = source.indexOf('?');
  const path = q >= 0 ? source.slice(0, q) : source;
  const query = new URLSearchParams(q >= 0 ? source.slice(q + 1) : '');
  const trimmed = path.replace(/^\/+/, '');
  const slash = trimmed.indexOf('/');
  if (slash <= 0 || slash === trimmed.length - 1) throw invalid();
  const first = decode(trimmed.slice(0, slash));
  const key = decode(trimmed.slice(slash + 1));
  const bucket = bucketFromHost(first, domain) ?? first;
  const versionId = query.get('versionId') ?? undefined;
  if (versionId === '') throw invalid();
  return { bucket, key, ...(versionId !== undefined ? { versionId } : {}) };
}

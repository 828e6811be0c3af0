import { escapeXml, S3Error, XML_SEQUENCE, type XmlObject, XmlRaw } from '@coffer/protocol';
import type { RequestContext } from '../http-kit/request-context.js';
import { isoDate, quoteEtag, sendXml } from '../http-kit/respond.js';
import type { ObjectSummary } from '../stores/types.js';
import { ownerXml } from './owner.js';

export const MAX_KEYS_LIMIT = 1000;

/** max-keys: a non-negative integer; above 1000 means 1000 (as S3 and COS do). */
export function parseMaxKeys(value: string | undefined, name = 'max-keys'): number {
  if (value === undefined || value === '') return MAX_KEYS_LIMIT;
  if (!/^\d+$/.test(value)) {
    throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, {
      details: { ArgumentName: name, ArgumentValue: value },
    });
  }
  return Math.min(Number(value), MAX_KEYS_LIMIT);
}

/** encoding-type: absent or `url`. */
export function parseEncodingType(ctx: RequestContext): boolean {
  const value = ctx.param('encoding-type');
  if (value === undefined || value === '') return false;
  if (value.toLowerCase() !== 'url') {
    throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', {
      details: { ArgumentName: 'encoding-type', ArgumentValue: value },
    });
  }
  return true;
}

/**
 * Percent-encodes a key for encoding-type=url: everything but unreserved characters and '/'.
 * Spaces become %20 (not '+'), which clients decoding with either unquote or unquote_plus read back.
 */
export function urlEncodeKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/');
}

export function encoder(encode: boolean): (s: string) => string {
  return encode ? urlEncodeKey : (s) => s;
}

/** One <Contents> element, rendered directly (listings are a hot path: up to 1,000 per page). */
function contentsXml(ctx: RequestContext, o: ObjectSummary, enc: (s: string) => string, withOwner: boolean): XmlRaw {
  const owner = withOwner
    ? `<Owner><ID>${escapeXml(o.ownerId)}</ID><DisplayName>${escapeXml(String(ownerXml(ctx, o.ownerId).DisplayName))}</DisplayName></Owner>`
    : '';
  return new XmlRaw(
    `<Contents><Key>${escapeXml(enc(o.key))}</Key><LastModified>${isoDate(o.lastModifiedMs)}</LastModified><ETag>&quot;${o.etag}&quot;</ETag><Size>${o.size}</Size>${owner}<StorageClass>${o.storageClass}</StorageClass></Contents>`,
  );
}

/** GET Bucket (List Objects, V1). https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html */
export async function listObjectsV1(ctx: RequestContext): Promise<void> {
  const encode = parseEncodingType(ctx);
  const enc = encoder(encode);
  const prefix = ctx.param('prefix') ?? '';
  const delimiter = ctx.param('delimiter') ?? '';
  const marker = ctx.param('marker') ?? '';
  const maxKeys = parseMaxKeys(ctx.param('max-keys'));
  const { bucket, page } =
    maxKeys === 0
      ? { bucket: await ctx.engine.headBucket(ctx.bucket), page: { entries: [], isTruncated: false } }
      : await ctx.engine.listObjects(ctx.bucket, { prefix, delimiter, after: marker, maxKeys });
  const contents: XmlRaw[] = [];
  const prefixes: XmlObject[] = [];
  for (const e of page.entries) {
    if (e.kind === 'prefix') prefixes.push({ Prefix: enc(e.prefix) });
    else contents.push(contentsXml(ctx, e.object, enc, true));
  }
  // COS returns NextMarker on every truncated page; S3 only with a delimiter (without one, clients
  // resume from the last Key, which is the same key). S3 tools get S3's rule: minio-js takes a
  // NextMarker as it arrives, still percent-encoded under encoding-type=url, and encodes it again,
  // so a page ending on a key with a space or non-ASCII character made it skip objects.
  const nextMarker = 'nextAfter' in page && (delimiter !== '' || ctx.flavor === 'cos') ? page.nextAfter : undefined;
  sendXml(ctx, 'ListBucketResult', {
    Name: bucket.name,
    // S3 leaves V1's top-level Prefix as sent even under encoding-type=url (botocore decodes Marker,
    // NextMarker, Delimiter, keys and common prefixes, not Prefix); COS clients get it encoded.
    Prefix: ctx.flavor === 's3' ? prefix : enc(prefix),
    Marker: enc(marker),
    MaxKeys: maxKeys,
    ...(delimiter !== '' ? { Delimiter: enc(delimiter) } : {}),
    IsTruncated: page.isTruncated,
    ...(nextMarker !== undefined ? { NextMarker: enc(nextMarker) } : {}),
    ...(encode ? { EncodingType: 'url' } : {}),
    Contents: contents,
    CommonPrefixes: prefixes,
  });
}

/** Continuation tokens are opaque to clients: the base64url of the key the next page starts after. */
function encodeToken(after: string): string {
  return Buffer.from(`k:${after}`, 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  if (!text.startsWith('k:')) {
    throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', {
      details: { ArgumentName: 'continuation-token', ArgumentValue: token },
    });
  }
  return text.slice(2);
}

/** GET Bucket (List Objects V2). https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html */
export async function listObjectsV2(ctx: RequestContext): Promise<void> {
  const encode = parseEncodingType(ctx);
  const enc = encoder(encode);
  const prefix = ctx.param('prefix') ?? '';
  const delimiter = ctx.param('delimiter') ?? '';
  const startAfter = ctx.param('start-after');
  const token = ctx.param('continuation-token');
  const maxKeys = parseMaxKeys(ctx.param('max-keys'));
  const fetchOwner = ctx.param('fetch-owner') === 'true';
  // An empty token is no token (echoed back as sent), as ceph's s3-tests expect of S3.
  const after = token !== undefined && token !== '' ? decodeToken(token) : (startAfter ?? '');
  const { bucket, page } =
    maxKeys === 0
      ? { bucket: await ctx.engine.headBucket(ctx.bucket), page: { entries: [], isTruncated: false } }
      : await ctx.engine.listObjects(ctx.bucket, { prefix, delimiter, after, maxKeys });
  const contents: XmlRaw[] = [];
  const prefixes: XmlObject[] = [];
  for (const e of page.entries) {
    if (e.kind === 'prefix') prefixes.push({ Prefix: enc(e.prefix) });
    else contents.push(contentsXml(ctx, e.object, enc, fetchOwner));
  }
  const next = 'nextAfter' in page ? page.nextAfter : undefined;
  sendXml(ctx, 'ListBucketResult', {
    Name: bucket.name,
    Prefix: enc(prefix),
    ...(startAfter !== undefined ? { StartAfter: enc(startAfter) } : {}),
    ...(token !== undefined ? { ContinuationToken: token } : {}),
    KeyCount: page.entries.length,
    MaxKeys: maxKeys,
    ...(delimiter !== '' ? { Delimiter: enc(delimiter) } : {}),
    IsTruncated: page.isTruncated,
    ...(page.isTruncated && next !== undefined ? { NextContinuationToken: encodeToken(next) } : {}),
    ...(encode ? { EncodingType: 'url' } : {}),
    Contents: contents,
    CommonPrefixes: prefixes,
  });
}

/** GET Bucket ?versions (ListObjectVersions). https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html */
export async function listObjectVersions(ctx: RequestContext): Promise<void> {
  const encode = parseEncodingType(ctx);
  const enc = encoder(encode);
  const prefix = ctx.param('prefix') ?? '';
  const delimiter = ctx.param('delimiter') ?? '';
  const keyMarker = ctx.param('key-marker') ?? '';
  const versionIdMarker = ctx.param('version-id-marker') ?? '';
  const maxKeys = parseMaxKeys(ctx.param('max-keys'));
  if (versionIdMarker !== '' && keyMarker === '') {
    throw new S3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', {
      details: { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker },
    });
  }
  const { bucket, page } =
    maxKeys === 0
      ? { bucket: await ctx.engine.headBucket(ctx.bucket), page: { entries: [], isTruncated: false } }
      : await ctx.engine.listObjectVersions(ctx.bucket, { prefix, delimiter, keyMarker, versionIdMarker, maxKeys });
  const versions: XmlObject[] = [];
  const prefixes: XmlObject[] = [];
  for (const e of page.entries) {
    if (e.kind === 'prefix') {
      prefixes.push({ Prefix: enc(e.prefix) });
      continue;
    }
    const o = e.object;
    const common = {
      Key: enc(o.key),
      VersionId: o.versionId,
      IsLatest: o.isLatest,
      LastModified: isoDate(o.lastModifiedMs),
    };
    if (o.isDeleteMarker) versions.push({ DeleteMarker: { ...common, Owner: ownerXml(ctx, o.ownerId) } });
    else {
      versions.push({
        Version: {
          ...common,
          ETag: quoteEtag(o.etag),
          Size: o.size,
          StorageClass: o.storageClass,
          Owner: ownerXml(ctx, o.ownerId),
        },
      });
    }
  }
  const nextKeyMarker = 'nextKeyMarker' in page ? page.nextKeyMarker : undefined;
  const nextVersionIdMarker = 'nextVersionIdMarker' in page ? page.nextVersionIdMarker : undefined;
  sendXml(ctx, 'ListVersionsResult', {
    Name: bucket.name,
    Prefix: enc(prefix),
    KeyMarker: enc(keyMarker),
    VersionIdMarker: versionIdMarker,
    MaxKeys: maxKeys,
    ...(delimiter !== '' ? { Delimiter: enc(delimiter) } : {}),
    IsTruncated: page.isTruncated,
    ...(nextKeyMarker !== undefined ? { NextKeyMarker: enc(nextKeyMarker) } : {}),
    ...(nextVersionIdMarker !== undefined ? { NextVersionIdMarker: nextVersionIdMarker } : {}),
    ...(encode ? { EncodingType: 'url' } : {}),
    [XML_SEQUENCE]: versions,
    CommonPrefixes: prefixes,
  });
}

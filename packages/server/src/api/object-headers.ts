import { type ServerResponse, validateHeaderName, validateHeaderValue } from 'node:http';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm, S3Error } from '@coffer/protocol';
import { checksumTypeOf } from '../engine/multipart.js';
import type { ObjectAttributes } from '../engine/objects.js';
import type { BodyExpectations } from '../engine/write-blob.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { httpDate, quoteEtag } from '../http-kit/respond.js';
import type { ObjectVersion } from '../stores/types.js';
import { objectAclFromHeaders } from './acl.js';
import { contentTypeOfKey } from './mime.js';
import { lockHeaders, readRequestedLock } from './object-lock.js';
import { readSseRequest } from './sse-headers.js';

export { sseHeaders } from './sse-headers.js';

/** Content headers stored with an object and returned on GET/HEAD, lower-case. */
export const CONTENT_HEADERS = [
  'content-type',
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
] as const;

const META_PREFIXES = ['x-cos-meta-', 'x-amz-meta-'];
/** Stored with the content headers; returned in both families. */
const REDIRECT = 'x-amz-website-redirect-location';
const AMZ_META_PREFIXES = ['x-amz-meta-'];

/**
 * Where an S3 client's metadata comes from. Some copy every header of a HEAD into their next request
 * (s3cmd modify), so our x-cos-meta-* come back beside the x-amz-meta-* they mean: from an S3
 * (SigV4/SigV2) request that carries any x-amz-meta-*, or our response's x-cos-request-id, the
 * x-cos-meta-* are ignored. A request with COS headers only keeps them.
 */
function metaPrefixes(ctx: RequestContext): string[] {
  if (ctx.flavor !== 's3') return META_PREFIXES;
  const names = Object.keys(ctx.req.headers);
  const echoed = names.includes('x-cos-request-id') || names.some((n) => n.startsWith('x-amz-meta-'));
  return echoed ? AMZ_META_PREFIXES : META_PREFIXES;
}

/** The attributes a write request sets: content headers, user metadata, storage class, tagging, ACL, encryption, lock. */
export async function readObjectAttributes(ctx: RequestContext): Promise<ObjectAttributes> {
  const contentHeaders: Record<string, string> = {};
  for (const name of CONTENT_HEADERS) {
    let value = ctx.header(name);
    if (name === 'content-encoding' && value !== undefined) {
      // aws-chunked describes the transfer framing, not the object (S3 strips it too).
      value = value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '' && v.toLowerCase() !== 'aws-chunked')
        .join(', ');
      if (value === '') value = undefined;
    }
    if (value !== undefined) contentHeaders[name] = value;
  }
  // x-amz-website-redirect-location: kept and returned (Coffer hosts no websites, but S3 stores it on
  // any object, and tools read it back).
  const redirect = ctx.vendorHeader('website-redirect-location');
  if (redirect !== undefined) {
    if (!/^(\/|https?:\/\/)/.test(redirect) || Buffer.byteLength(redirect) > 2048) {
      throw new S3Error(
        'InvalidRedirectLocation',
        'The website redirect location must begin with "/", "http://" or "https://".',
        {
          details: { ArgumentName: 'x-amz-website-redirect-location', ArgumentValue: redirect },
        },
      );
    }
    contentHeaders[REDIRECT] = redirect;
  }
  if (contentHeaders['content-type'] === undefined && ctx.flavor === 'cos') {
    const guessed = contentTypeOfKey(ctx.key);
    if (guessed !== undefined) contentHeaders['content-type'] = guessed;
  }
  const userMeta: Record<string, string> = {};
  const prefixes = metaPrefixes(ctx);
  for (const [name, raw] of Object.entries(ctx.req.headers)) {
    const prefix = prefixes.find((p) => name.startsWith(p));
    if (!prefix || raw === undefined) continue;
    const metaName = name.slice(prefix.length);
    if (metaName === '') continue;
    userMeta[metaName] = Array.isArray(raw) ? raw.join(',') : raw;
  }
  const storageClass = ctx.vendorHeader('storage-class');
  const tagging = ctx.vendorHeader('tagging');
  const acl = await objectAclFromHeaders(ctx);
  const sse = readSseRequest(ctx);
  const lock = readRequestedLock(ctx);
  const attributes: ObjectAttributes = { contentHeaders, userMeta };
  if (lock !== undefined) attributes.lock = lock;
  if (sse !== undefined) attributes.sse = sse;
  if (storageClass !== undefined) attributes.storageClass = storageClass;
  if (tagging !== undefined) attributes.tagging = tagging;
  if (acl !== undefined) attributes.acl = acl;
  return attributes;
}

const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };
/** Each algorithm with its x-amz-checksum-* header name, made once rather than per request. */
const CHECKSUM_HEADERS = CHECKSUM_ALGORITHMS.map(
  (algorithm) => [algorithm, `x-amz-checksum-${algorithm.toLowerCase()}`] as const,
);

function validBase64Digest(value: string, bytes: number): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(value) && Buffer.from(value, 'base64').length === bytes;
}

/**
 * What the body must prove: Content-MD5, x-amz-checksum-* values (headers or aws-chunked trailers),
 * the algorithm named by x-amz-sdk-checksum-algorithm, and its length. Malformed values are refused
 * before any byte is read.
 */
export function readBodyExpectations(ctx: RequestContext): Omit<BodyExpectations, 'maxSize'> {
  // An empty Content-MD5 is a bad digest too, not an absent one.
  const contentMd5 = ctx.header('content-md5') ?? (ctx.req.headers['content-md5'] !== undefined ? '' : undefined);
  if (contentMd5 !== undefined && !validBase64Digest(contentMd5, 16)) {
    throw new S3Error('InvalidDigest', 'The Content-MD5 you specified is not valid.');
  }
  const trailerNames = (ctx.header('x-amz-trailer') ?? '')
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== '');
  const checksums: NonNullable<BodyExpectations['checksums']> = [];
  for (const [algorithm, headerName] of CHECKSUM_HEADERS) {
    const value = ctx.header(headerName);
    if (value !== undefined) {
      if (!validBase64Digest(value, DIGEST_BYTES[algorithm])) {
        throw new S3Error('InvalidRequest', `Value for ${headerName} header is invalid.`);
      }
      checksums.push({ algorithm, expected: value });
    } else if (trailerNames.includes(headerName)) {
      checksums.push({ algorithm, expected: () => ctx.trailer(headerName) });
    }
  }
  const announced = ctx.header('x-amz-sdk-checksum-algorithm') ?? ctx.header('x-amz-checksum-algorithm');
  if (announced !== undefined) {
    const algorithm = announced.toUpperCase() as ChecksumAlgorithm;
    if (!CHECKSUM_ALGORITHMS.includes(algorithm)) {
      throw new S3Error('InvalidRequest', `Checksum algorithm ${announced} is not supported.`);
    }
    if (!checksums.some((c) => c.algorithm === algorithm)) checksums.push({ algorithm });
  }
  const size = ctx.declaredBodySize();
  const expect: Omit<BodyExpectations, 'maxSize'> = { checksums };
  if (size !== undefined) expect.size = size;
  if (contentMd5 !== undefined) expect.contentMd5 = contentMd5;
  return expect;
}

/**
 * Refuses a header that could not be sent back in a response (a name that is not a token; a value
 * with CR, LF, other control characters or code points above U+00FF): a stored or echoed header is
 * checked before anything is written, so a GET can never fail half-way on it.
 */
export function checkHeaderValue(header: string, value: string, argumentName: string): void {
  try {
    validateHeaderName(header);
    validateHeaderValue(header, value);
  } catch {
    throw new S3Error('InvalidArgument', `${argumentName} holds characters a header cannot carry.`, {
      details: { ArgumentName: argumentName, ArgumentValue: value },
    });
  }
}

/**
 * The version headers of a write's answer (PUT, POST, copy, Complete): none for a 'null' version (a
 * write while versioning is suspended), as S3 answers such writes.
 */
export function writtenVersionHeaders(versionId: string, versioned: boolean): Record<string, string> {
  return versionId === 'null' ? {} : versionHeaders(versionId, versioned);
}

/** Response headers that name a version, in both families. */
export function versionHeaders(versionId: string | undefined, versioned: boolean): Record<string, string> {
  if (!versioned || versionId === undefined) return {};
  return { 'x-cos-version-id': versionId, 'x-amz-version-id': versionId };
}

/**
 * The headers GET and HEAD return for an object: ETag, Last-Modified, content headers, user
 * metadata, CRC64, storage class, object type and version, in COS and S3 spellings.
 */
export function setObjectHeaders(
  res: ServerResponse,
  version: ObjectVersion,
  options: { versioned: boolean; checksumMode: boolean; sse: Record<string, string> },
): void {
  res.setHeader('etag', quoteEtag(version.etag));
  res.setHeader('last-modified', httpDate(version.lastModifiedMs));
  res.setHeader('accept-ranges', 'bytes');
  res.setHeader('content-type', version.contentHeaders['content-type'] ?? 'application/octet-stream');
  for (const name of CONTENT_HEADERS) {
    const value = version.contentHeaders[name];
    if (value !== undefined && name !== 'content-type') res.setHeader(name, value);
  }
  const redirect = version.contentHeaders[REDIRECT];
  if (redirect !== undefined) {
    res.setHeader('x-cos-website-redirect-location', redirect);
    res.setHeader(REDIRECT, redirect);
  }
  for (const [name, value] of Object.entries(version.userMeta)) {
    res.setHeader(`x-cos-meta-${name}`, value);
    res.setHeader(`x-amz-meta-${name}`, value);
  }
  if (version.crc64 !== undefined) res.setHeader('x-cos-hash-crc64ecma', version.crc64);
  if (version.storageClass !== 'STANDARD') {
    res.setHeader('x-cos-storage-class', version.storageClass);
    res.setHeader('x-amz-storage-class', version.storageClass);
  }
  res.setHeader('x-cos-object-type', version.objectType);
  for (const [name, value] of Object.entries(options.sse)) res.setHeader(name, value);
  for (const [name, value] of Object.entries(lockHeaders(version.lock))) res.setHeader(name, value);
  if (version.tagging) {
    const count = String(new URLSearchParams(version.tagging).size);
    res.setHeader('x-cos-tagging-count', count);
    res.setHeader('x-amz-tagging-count', count);
  }
  for (const [name, value] of Object.entries(versionHeaders(version.versionId, options.versioned))) {
    res.setHeader(name, value);
  }
  if (options.checksumMode) {
    for (const [algorithm, value] of Object.entries(version.checksums)) {
      res.setHeader(`x-amz-checksum-${algorithm.toLowerCase()}`, value);
      res.setHeader('x-amz-checksum-type', checksumTypeOf(value));
    }
  }
}

/**
 * x-amz-expiration: when a lifecycle rule will expire this (current) version, and which rule, as S3
 * sends it on PUT, GET, HEAD, copy and Complete: `expiry-date="<HTTP date>", rule-id="<id>"`.
 */
export async function expirationHeaders(ctx: RequestContext, version: ObjectVersion): Promise<Record<string, string>> {
  const due = await ctx.engine.expirationOf(version);
  if (!due) return {};
  const ruleId = due.ruleId.replace(/["\\]/g, '\\$&');
  return { 'x-amz-expiration': `expiry-date="${httpDate(due.dueMs)}", rule-id="${ruleId}"` };
}

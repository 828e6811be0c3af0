import {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  S3Error,
  type XmlObject,
  xmlChildren,
  xmlText,
} from '@coffer/protocol';
import { type CompletedPart, checksumTypeOf, uploadChecksumType } from '../engine/multipart.js';
import { sourceOf } from '../engine/notifications/record.js';
import { parseCopySource } from '../http-kit/copy-source.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { isoDate, quoteEtag, sendEmpty, sendXml } from '../http-kit/respond.js';
import type { PartRecord } from '../stores/types.js';
import { requireXmlBody } from './bucket.js';
import { encoder, parseEncodingType, parseMaxKeys, urlEncodeKey } from './list-objects.js';
import { readConditions } from './object-get.js';
import {
  expirationHeaders,
  readBodyExpectations,
  readObjectAttributes,
  sseHeaders,
  writtenVersionHeaders,
} from './object-headers.js';
import { ownerXml } from './owner.js';
import { readCustomerKey } from './sse-headers.js';

function uploadIdParam(ctx: RequestContext): string {
  const uploadId = ctx.param('uploadId');
  if (uploadId === undefined || uploadId === '') throw new S3Error('NoSuchUpload');
  return uploadId;
}

function partNumberParam(ctx: RequestContext): number {
  const raw = ctx.param('partNumber');
  if (raw === undefined || !/^\d{1,6}$/.test(raw)) {
    throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', {
      details: { ArgumentName: 'partNumber', ArgumentValue: raw ?? '' },
    });
  }
  return Number(raw);
}

function checksumXml(checksums: Record<string, string>): XmlObject {
  const out: XmlObject = {};
  for (const [algorithm, value] of Object.entries(checksums)) out[`Checksum${algorithm}`] = value;
  return out;
}

/** <ChecksumType> of an object's checksums, when it has one. */
export function checksumTypeXml(checksums: Record<string, string>): XmlObject {
  const first = Object.values(checksums)[0];
  return first === undefined ? {} : { ChecksumType: checksumTypeOf(first) };
}

/** The object-level checksum header a Complete may carry (x-amz-checksum-<algorithm>). */
function expectedChecksum(ctx: RequestContext): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = ctx.header(`x-amz-checksum-${algorithm.toLowerCase()}`);
    if (value !== undefined) return { algorithm, value: value.trim() };
  }
  return undefined;
}

/** POST Object ?uploads (Initiate Multipart Upload). */
export async function createMultipartUpload(ctx: RequestContext): Promise<void> {
  const checksumAlgorithm = ctx.header('x-amz-checksum-algorithm');
  const checksumType = ctx.header('x-amz-checksum-type');
  const upload = await ctx.engine.createMultipartUpload({
    bucket: ctx.bucket,
    key: ctx.key,
    actor: ctx.actor,
    attributes: await readObjectAttributes(ctx),
    ...(checksumAlgorithm !== undefined ? { checksumAlgorithm } : {}),
    ...(checksumType !== undefined ? { checksumType } : {}),
  });
  const type = uploadChecksumType(upload);
  sendXml(
    ctx,
    'InitiateMultipartUploadResult',
    { Bucket: ctx.bucket, Key: ctx.key, UploadId: upload.uploadId },
    {
      headers: {
        ...sseHeaders(ctx, upload.sse, { customerKeyMd5: readCustomerKey(ctx)?.md5, withContext: true }),
        ...(upload.checksumAlgorithm ? { 'x-amz-checksum-algorithm': upload.checksumAlgorithm } : {}),
        ...(type ? { 'x-amz-checksum-type': type } : {}),
      },
    },
  );
}

/** PUT Object ?partNumber&uploadId: Upload Part, or Upload Part - Copy with a copy source header. */
export async function uploadPart(ctx: RequestContext): Promise<void> {
  const uploadId = uploadIdParam(ctx);
  const partNumber = partNumberParam(ctx);
  const copySource = ctx.vendorHeader('copy-source');
  if (copySource !== undefined) {
    const rangeHeader = ctx.vendorHeader('copy-source-range');
    const range = rangeHeader === undefined ? undefined : parseCopyRange(rangeHeader);
    const customerKey = readCustomerKey(ctx);
    const sourceKey = readCustomerKey(ctx, 'copy-source-');
    const { part, source, sse } = await ctx.engine.uploadPartCopy({
      bucket: ctx.bucket,
      key: ctx.key,
      uploadId,
      partNumber,
      source: parseCopySource(copySource, ctx.config.domain),
      sourceConditions: readConditions(ctx, true),
      ...(range ? { range } : {}),
      ...(customerKey !== undefined ? { customerKey: customerKey.key } : {}),
      ...(sourceKey !== undefined ? { sourceCustomerKey: sourceKey.key } : {}),
      signal: ctx.signal,
    });
    const headers: Record<string, string> = {
      'x-cos-hash-crc64ecma': part.crc64 ?? '',
      ...sseHeaders(ctx, sse, { customerKeyMd5: customerKey?.md5 }),
    };
    if (ctx.param('versionId') !== undefined || copySource.includes('versionId=')) {
      headers['x-amz-copy-source-version-id'] = source.versionId;
      headers['x-cos-copy-source-version-id'] = source.versionId;
    }
    sendXml(
      ctx,
      'CopyPartResult',
      { ETag: quoteEtag(part.etag), LastModified: isoDate(part.lastModifiedMs), CRC64: part.crc64 },
      { headers },
    );
    return;
  }
  const expect = readBodyExpectations(ctx);
  if (expect.size === undefined && ctx.header('transfer-encoding') === undefined)
    throw new S3Error('MissingContentLength');
  const customerKey = readCustomerKey(ctx);
  const { part, sse } = await ctx.engine.uploadPart({
    bucket: ctx.bucket,
    key: ctx.key,
    uploadId,
    partNumber,
    body: ctx.body(),
    expect,
    ...(customerKey !== undefined ? { customerKey: customerKey.key } : {}),
    signal: ctx.signal,
  });
  const headers: Record<string, string> = {
    etag: quoteEtag(part.etag),
    ...sseHeaders(ctx, sse, { customerKeyMd5: customerKey?.md5 }),
  };
  if (part.crc64 !== undefined) headers['x-cos-hash-crc64ecma'] = part.crc64;
  for (const [algorithm, value] of Object.entries(part.checksums))
    headers[`x-amz-checksum-${algorithm.toLowerCase()}`] = value;
  sendEmpty(ctx, 200, headers);
}

/** x-cos-copy-source-range / x-amz-copy-source-range: exactly `bytes=first-last`. */
function parseCopyRange(value: string): { start: number; end: number } {
  const m = /^bytes=(\d+)-(\d+)$/.exec(value.trim());
  if (!m || Number(m[2]) < Number(m[1])) {
    throw new S3Error(
      'InvalidArgument',
      'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
      {
        details: { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: value },
      },
    );
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}

function partXml(part: PartRecord): XmlObject {
  return {
    PartNumber: part.partNumber,
    LastModified: isoDate(part.lastModifiedMs),
    ETag: quoteEtag(part.etag),
    Size: part.size,
    ...checksumXml(part.checksums),
  };
}

/** GET Object ?uploadId (List Parts). */
export async function listParts(ctx: RequestContext): Promise<void> {
  const encode = parseEncodingType(ctx);
  const markerRaw = ctx.param('part-number-marker') ?? '0';
  if (!/^\d+$/.test(markerRaw)) {
    throw new S3Error('InvalidArgument', 'Provided part-number-marker not an integer or within integer range', {
      details: { ArgumentName: 'part-number-marker', ArgumentValue: markerRaw },
    });
  }
  const maxParts = parseMaxKeys(ctx.param('max-parts'), 'max-parts');
  const { upload, page } = await ctx.engine.listParts({
    bucket: ctx.bucket,
    key: ctx.key,
    uploadId: uploadIdParam(ctx),
    partNumberMarker: Number(markerRaw),
    maxParts,
  });
  const owner = ownerXml(ctx, upload.ownerId);
  const checksumType = uploadChecksumType(upload);
  sendXml(ctx, 'ListPartsResult', {
    Bucket: ctx.bucket,
    ...(encode ? { EncodingType: 'url' } : {}),
    Key: encoder(encode)(ctx.key),
    UploadId: upload.uploadId,
    Initiator: owner,
    Owner: owner,
    StorageClass: upload.storageClass,
    PartNumberMarker: Number(markerRaw),
    ...(page.nextPartNumberMarker !== undefined ? { NextPartNumberMarker: page.nextPartNumberMarker } : {}),
    MaxParts: maxParts,
    IsTruncated: page.isTruncated,
    ...(upload.checksumAlgorithm ? { ChecksumAlgorithm: upload.checksumAlgorithm } : {}),
    ...(checksumType ? { ChecksumType: checksumType } : {}),
    Part: page.parts.map(partXml),
  });
}

/** POST Object ?uploadId (Complete Multipart Upload). */
export async function completeMultipartUpload(ctx: RequestContext): Promise<void> {
  const doc = await requireXmlBody(ctx, 'CompleteMultipartUpload', 16 * 1024 * 1024, 'MalformedXML');
  const parts: CompletedPart[] = xmlChildren(doc, 'Part').map((node) => {
    const number = xmlText(node, 'PartNumber')?.trim();
    const etag = xmlText(node, 'ETag');
    if (number === undefined || !/^\d{1,6}$/.test(number) || etag === undefined) {
      throw new S3Error('MalformedXML', 'Each <Part> needs a <PartNumber> (1-10000) and an <ETag>.');
    }
    const checksums: CompletedPart['checksums'] = {};
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const value = xmlText(node, `Checksum${algorithm}`);
      if (value !== undefined && value !== '') checksums[algorithm as ChecksumAlgorithm] = value.trim();
    }
    return { partNumber: Number(number), etag, checksums };
  });
  const expected = expectedChecksum(ctx);
  const customerKey = readCustomerKey(ctx);
  const { result } = await ctx.engine.completeMultipartUpload({
    bucket: ctx.bucket,
    key: ctx.key,
    uploadId: uploadIdParam(ctx),
    parts,
    source: sourceOf(ctx.actor),
    ...(expected ? { expectedChecksum: expected } : {}),
    ...(ctx.header('if-none-match') !== undefined ? { ifNoneMatch: ctx.header('if-none-match')! } : {}),
    ...(ctx.header('if-match') !== undefined ? { ifMatch: ctx.header('if-match')! } : {}),
    ...(customerKey !== undefined ? { customerKey: customerKey.key } : {}),
  });
  const completed =
    result.kind === 'completed'
      ? {
          versionId: result.version.versionId,
          etag: result.version.etag,
          crc64: result.version.crc64,
          checksums: result.version.checksums,
        }
      : { versionId: result.versionId, etag: result.etag, crc64: result.crc64, checksums: {} };
  const bucket = await ctx.engine.headBucket(ctx.bucket);
  const headers: Record<string, string> = {
    ...writtenVersionHeaders(completed.versionId, bucket.versioning !== ''),
    ...(result.kind === 'completed' ? await expirationHeaders(ctx, result.version) : {}),
    ...(result.kind === 'completed' ? sseHeaders(ctx, result.version.sse, { customerKeyMd5: customerKey?.md5 }) : {}),
  };
  if (completed.crc64 !== undefined) headers['x-cos-hash-crc64ecma'] = completed.crc64;
  const host = ctx.header('host') ?? '127.0.0.1';
  // Every reserved character of the key escaped (encodeURI would leave '?' and '#', cutting the URL short).
  const location =
    ctx.address.style === 'virtual'
      ? `http://${host}/${urlEncodeKey(ctx.key)}`
      : `http://${host}/${ctx.bucket}/${urlEncodeKey(ctx.key)}`;
  sendXml(
    ctx,
    'CompleteMultipartUploadResult',
    {
      Location: location,
      Bucket: ctx.bucket,
      Key: ctx.key,
      ETag: quoteEtag(completed.etag),
      ...(completed.crc64 !== undefined ? { CRC64: completed.crc64 } : {}),
      ...checksumXml(completed.checksums),
      ...checksumTypeXml(completed.checksums),
    },
    { headers },
  );
}

/** DELETE Object ?uploadId (Abort Multipart Upload). */
export async function abortMultipartUpload(ctx: RequestContext): Promise<void> {
  await ctx.engine.abortMultipartUpload({ bucket: ctx.bucket, key: ctx.key, uploadId: uploadIdParam(ctx) });
  sendEmpty(ctx, 204);
}

/** GET Bucket ?uploads (List Multipart Uploads). */
export async function listMultipartUploads(ctx: RequestContext): Promise<void> {
  const encode = parseEncodingType(ctx);
  const enc = encoder(encode);
  const prefix = ctx.param('prefix') ?? '';
  const delimiter = ctx.param('delimiter') ?? '';
  const keyMarker = ctx.param('key-marker') ?? '';
  const uploadIdMarker = ctx.param('upload-id-marker') ?? '';
  const maxUploads = parseMaxKeys(ctx.param('max-uploads'), 'max-uploads');
  const { bucket, page } =
    maxUploads === 0
      ? { bucket: await ctx.engine.headBucket(ctx.bucket), page: { entries: [], isTruncated: false } }
      : await ctx.engine.listMultipartUploads(ctx.bucket, { prefix, delimiter, keyMarker, uploadIdMarker, maxUploads });
  const uploads: XmlObject[] = [];
  const prefixes: XmlObject[] = [];
  for (const e of page.entries) {
    if (e.kind === 'prefix') {
      prefixes.push({ Prefix: enc(e.prefix) });
      continue;
    }
    const owner = ownerXml(ctx, e.upload.ownerId);
    uploads.push({
      Key: enc(e.upload.key),
      UploadId: e.upload.uploadId,
      Initiator: owner,
      Owner: owner,
      StorageClass: e.upload.storageClass,
      Initiated: isoDate(e.upload.initiatedMs),
      ...(e.upload.checksumAlgorithm ? { ChecksumAlgorithm: e.upload.checksumAlgorithm } : {}),
    });
  }
  const nextKeyMarker = 'nextKeyMarker' in page ? page.nextKeyMarker : undefined;
  const nextUploadIdMarker = 'nextUploadIdMarker' in page ? page.nextUploadIdMarker : undefined;
  sendXml(ctx, 'ListMultipartUploadsResult', {
    Bucket: bucket.name,
    ...(encode ? { EncodingType: 'url' } : {}),
    KeyMarker: enc(keyMarker),
    UploadIdMarker: uploadIdMarker,
    ...(nextKeyMarker !== undefined ? { NextKeyMarker: enc(nextKeyMarker) } : {}),
    ...(nextUploadIdMarker !== undefined ? { NextUploadIdMarker: nextUploadIdMarker } : {}),
    Prefix: enc(prefix),
    ...(delimiter !== '' ? { Delimiter: enc(delimiter) } : {}),
    MaxUploads: maxUploads,
    IsTruncated: page.isTruncated,
    Upload: uploads,
    CommonPrefixes: prefixes,
  });
}

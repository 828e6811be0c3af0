import { S3Error, XML_SEQUENCE, type XmlObject } from '@coffer/protocol';
import type { RequestContext } from '../http-kit/request-context.js';
import { httpDate, sendXml } from '../http-kit/respond.js';
import { checksumTypeXml } from './multipart.js';
import { versionHeaders } from './object-headers.js';
import { readCustomerKey } from './sse-headers.js';

const ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
type Attribute = (typeof ATTRIBUTES)[number];
/** Stored checksum algorithm → its element in <Checksum>. */
const CHECKSUM_ELEMENTS: Record<string, string> = {
  CRC32: 'ChecksumCRC32',
  CRC32C: 'ChecksumCRC32C',
  CRC64NVME: 'ChecksumCRC64NVME',
  SHA1: 'ChecksumSHA1',
  SHA256: 'ChecksumSHA256',
};

/** x-amz-object-attributes: a comma-separated, non-empty list of the attribute names S3 knows. */
function requestedAttributes(ctx: RequestContext): Set<Attribute> {
  const header = ctx.header('x-amz-object-attributes');
  const names = (header ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) {
    throw new S3Error(
      'InvalidArgument',
      'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty',
      {
        details: { ArgumentName: 'x-amz-object-attributes', ArgumentValue: header ?? '' },
      },
    );
  }
  for (const name of names) {
    if (!(ATTRIBUTES as readonly string[]).includes(name)) {
      throw new S3Error('InvalidArgument', 'Invalid attribute name specified.', {
        details: { ArgumentName: 'x-amz-object-attributes', ArgumentValue: name },
      });
    }
  }
  return new Set(names as Attribute[]);
}

function nonNegativeHeader(ctx: RequestContext, name: string, fallback: number, max: number): number {
  const value = ctx.header(name);
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value.trim())) {
    throw new S3Error('InvalidArgument', `${name} must be a non-negative integer.`, {
      details: { ArgumentName: name, ArgumentValue: value },
    });
  }
  return Math.min(Number(value.trim()), max);
}

/**
 * GET Object ?attributes (GetObjectAttributes): the attributes x-amz-object-attributes names, read
 * from the object's metadata without touching its data. ObjectParts appears for multipart objects
 * (part numbers and sizes, paged by x-amz-max-parts and x-amz-part-number-marker); Checksum for
 * the additional checksums the object was written with. A delete marker is 404 NoSuchKey with
 * x-amz-delete-marker, as GetObject answers.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html
 */
export async function getObjectAttributes(ctx: RequestContext): Promise<void> {
  const wanted = requestedAttributes(ctx);
  const maxParts = nonNegativeHeader(ctx, 'x-amz-max-parts', 1000, 1000);
  const marker = nonNegativeHeader(ctx, 'x-amz-part-number-marker', 0, 10_000);
  const versionId = ctx.param('versionId');
  if (versionId === '') {
    throw new S3Error('InvalidArgument', 'Version id cannot be the empty string', {
      details: { ArgumentName: 'versionId', ArgumentValue: '' },
    });
  }
  const customerKey = readCustomerKey(ctx);
  const { version, bucket } = await ctx.engine.getObject({
    bucket: ctx.bucket,
    key: ctx.key,
    ...(versionId !== undefined ? { versionId } : {}),
    conditions: {},
    headOnly: true,
    // S3 asks an SSE-C object's key here too, as on HEAD.
    ...(customerKey !== undefined ? { customerKey: customerKey.key } : {}),
  });
  const body: XmlObject = {};
  if (wanted.has('ETag')) body['ETag'] = version.etag;
  if (wanted.has('Checksum')) {
    const checksum: XmlObject = {};
    for (const [algorithm, value] of Object.entries(version.checksums)) {
      const element = CHECKSUM_ELEMENTS[algorithm];
      if (element) checksum[element] = value;
    }
    if (Object.keys(checksum).length > 0) body['Checksum'] = { ...checksum, ...checksumTypeXml(version.checksums) };
  }
  if (wanted.has('ObjectParts') && version.partSizes !== undefined) {
    const sizes = version.partSizes;
    const page = sizes.slice(marker, marker + maxParts).map((size, i) => {
      // Each part's own checksums, as S3 keeps them after Complete.
      const checksums: XmlObject = {};
      for (const [algorithm, value] of Object.entries(version.partChecksums?.[marker + i] ?? {})) {
        const element = CHECKSUM_ELEMENTS[algorithm];
        if (element) checksums[element] = value;
      }
      return { Part: { ...checksums, PartNumber: marker + i + 1, Size: size } };
    });
    const truncated = marker + page.length < sizes.length;
    body['ObjectParts'] = {
      PartsCount: sizes.length,
      PartNumberMarker: marker,
      ...(truncated ? { NextPartNumberMarker: marker + page.length } : {}),
      MaxParts: maxParts,
      IsTruncated: truncated,
      [XML_SEQUENCE]: page,
    };
  }
  if (wanted.has('StorageClass')) body['StorageClass'] = version.storageClass;
  if (wanted.has('ObjectSize')) body['ObjectSize'] = version.size;
  sendXml(ctx, 'GetObjectAttributesResponse', body, {
    headers: {
      'last-modified': httpDate(version.lastModifiedMs),
      ...versionHeaders(version.versionId, bucket.versioning !== '' || versionId !== undefined),
    },
  });
}

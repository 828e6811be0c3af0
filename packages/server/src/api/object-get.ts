import { S3Error } from '@coffer/protocol';
import type { Preconditions } from '../engine/conditions.js';
import type { ByteRange, GetObjectInput } from '../engine/objects.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { checkHeaderValue, expirationHeaders, setObjectHeaders } from './object-headers.js';
import { restoreHeaders, tierHeaders } from './object-restore.js';
import { readCustomerKey, sseHeaders } from './sse-headers.js';

/**
 * A Range header as S3 reads it: one range, `bytes=a-b`, `bytes=a-` or `bytes=-n`. Anything else
 * (several ranges, other units, b < a, garbage) is ignored and the whole object is served, as RFC
 * 7233 allows and S3 does.
 */
export function parseRange(header: string | undefined): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') return { suffix: Number(m[2]) };
  const start = Number(m[1]);
  const end = m[2] === '' ? undefined : Number(m[2]);
  if (end !== undefined && end < start) return undefined;
  return end === undefined ? { start } : { start, end };
}

/** If-* headers, or with `copySource` their x-cos-copy-source-If-* / x-amz-copy-source-if-* twins. */
export function readConditions(ctx: RequestContext, copySource = false): Preconditions {
  const get = (name: string) => (copySource ? ctx.vendorHeader(`copy-source-${name}`) : ctx.header(name));
  const conditions: Preconditions = {};
  const ifMatch = get('if-match');
  const ifNoneMatch = get('if-none-match');
  const ifModifiedSince = get('if-modified-since');
  const ifUnmodifiedSince = get('if-unmodified-since');
  if (ifMatch !== undefined) conditions.ifMatch = ifMatch;
  if (ifNoneMatch !== undefined) conditions.ifNoneMatch = ifNoneMatch;
  if (ifModifiedSince !== undefined) conditions.ifModifiedSince = ifModifiedSince;
  if (ifUnmodifiedSince !== undefined) conditions.ifUnmodifiedSince = ifUnmodifiedSince;
  return conditions;
}

/**
 * ?partNumber of GET/HEAD: an integer 1–10000 (InvalidArgument otherwise). The engine serves that
 * part as a ranged response, with x-amz-mp-parts-count for multipart objects.
 */
function partNumberParam(ctx: RequestContext): number | undefined {
  const partNumber = ctx.param('partNumber');
  if (partNumber === undefined) return undefined;
  if (!/^\d{1,5}$/.test(partNumber) || Number(partNumber) < 1 || Number(partNumber) > 10_000) {
    throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', {
      details: { ArgumentName: 'partNumber', ArgumentValue: partNumber },
    });
  }
  return Number(partNumber);
}

/** Bodies up to this size are read whole and sent in one write instead of streamed. */
const SMALL_BODY_BYTES = 128 * 1024;

/**
 * response-* query parameters that override headers of a GET or HEAD (COS API FAQ on response-content-disposition,
 * https://intl.cloud.tencent.com/document/product/436/10687;
 * HeadObject takes the same parameters as GetObject).
 */
const RESPONSE_OVERRIDES = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
} as const;

/** The response-* query overrides as headers, each checked before the object is read. */
function responseOverrides(ctx: RequestContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = ctx.param(param);
    if (value === undefined) continue;
    checkHeaderValue(header, value, param);
    out[header] = value;
  }
  return out;
}

/**
 * GET and HEAD Object. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
 * The body streams from the blob(s) straight to the socket.
 */
export async function getObject(ctx: RequestContext): Promise<void> {
  const head = ctx.method === 'HEAD';
  const versionId = ctx.param('versionId');
  if (versionId === '') {
    throw new S3Error('InvalidArgument', 'Version id cannot be the empty string', {
      details: { ArgumentName: 'versionId', ArgumentValue: '' },
    });
  }
  const sse = ctx.vendorHeader('server-side-encryption');
  if (sse !== undefined) {
    // What an object is stored with is decided when it is written; S3 refuses the header on reads.
    throw new S3Error(
      'InvalidArgument',
      'The x-amz-server-side-encryption header is not supported for this operation.',
      {
        details: { ArgumentName: 'x-amz-server-side-encryption', ArgumentValue: sse },
      },
    );
  }
  const customerKey = readCustomerKey(ctx);
  const range = parseRange(ctx.header('range'));
  const partNumber = partNumberParam(ctx);
  const overrides = responseOverrides(ctx);
  const input: GetObjectInput = { bucket: ctx.bucket, key: ctx.key, conditions: readConditions(ctx), headOnly: head };
  if (versionId !== undefined) input.versionId = versionId;
  if (range) input.range = range;
  if (partNumber !== undefined) input.partNumber = partNumber;
  if (customerKey !== undefined) input.customerKey = customerKey.key;
  const result = await ctx.engine.getObject(input);
  const { version } = result;
  const res = ctx.res;
  setObjectHeaders(res, version, {
    versioned: result.bucket.versioning !== '' || versionId !== undefined,
    checksumMode: ctx.header('x-amz-checksum-mode')?.toUpperCase() === 'ENABLED' && !result.range,
    sse: sseHeaders(ctx, version.sse, { customerKeyMd5: customerKey?.md5 }),
  });
  for (const [name, value] of Object.entries(tierHeaders(await ctx.engine.accessTierOf(version)))) {
    res.setHeader(name, value);
  }
  for (const [name, value] of Object.entries(await expirationHeaders(ctx, version))) res.setHeader(name, value);
  for (const [name, value] of Object.entries(restoreHeaders(version, ctx.engine.nowMs()))) res.setHeader(name, value);
  for (const [header, value] of Object.entries(overrides)) res.setHeader(header, value);
  if (result.partsCount !== undefined) res.setHeader('x-amz-mp-parts-count', result.partsCount);
  // GET/HEAD ?partNumber with x-amz-checksum-mode: ENABLED answers that part's own checksums.
  const partChecksums = partNumber !== undefined ? version.partChecksums?.[partNumber - 1] : undefined;
  if (partChecksums && ctx.header('x-amz-checksum-mode')?.toUpperCase() === 'ENABLED') {
    for (const [algorithm, value] of Object.entries(partChecksums))
      res.setHeader(`x-amz-checksum-${algorithm.toLowerCase()}`, value);
  }
  if (result.range) {
    res.statusCode = 206;
    res.setHeader('content-range', `bytes ${result.range.start}-${result.range.end}/${version.size}`);
  } else {
    res.statusCode = 200;
  }
  const length = result.length;
  res.setHeader('content-length', length);
  if (head || length === 0) {
    res.end();
    return;
  }
  if (length <= SMALL_BODY_BYTES) {
    // One pread through a cached handle and one write: no stream to build for a few kilobytes.
    // write() then end(), not end(body): Node 20's end(buffer) mis-encodes non-ASCII (latin1)
    // header values such as a response-content-disposition filename.
    res.write(await result.readBody());
    res.end();
    return;
  }
  try {
    await result.sendBody(res);
    res.end();
  } catch (err) {
    // Headers (and part of the body) are out: cut the connection so the client sees a short body.
    if (!res.destroyed) ctx.log.warn({ err, requestId: ctx.requestId }, 'GET failed while sending the body');
    res.destroy(err as Error);
  }
}

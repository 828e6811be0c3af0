import { S3Error } from '@coffer/protocol';
import type { RequestContext } from '../http-kit/request-context.js';
import { quoteEtag, sendEmpty } from '../http-kit/respond.js';
import { readBodyExpectations, readObjectAttributes, sseHeaders } from './object-headers.js';
import { readCustomerKey } from './sse-headers.js';

/** ?position: a non-negative integer, required. */
function positionParam(ctx: RequestContext): number {
  const value = ctx.param('position');
  if (value === undefined || !/^\d{1,15}$/.test(value)) {
    throw new S3Error(
      'InvalidArgument',
      'APPEND Object needs position: the object length to append at, 0 to create it.',
      {
        details: { ArgumentName: 'position', ArgumentValue: value ?? '' },
      },
    );
  }
  return Number(value);
}

/**
 * POST Object ?append&position=N (COS APPEND Object): 200 with the object's ETag, its CRC-64 and
 * x-cos-next-append-position. https://cloud.tencent.com/document/product/436/7741
 */
export async function appendObject(ctx: RequestContext): Promise<void> {
  const position = positionParam(ctx);
  const attributes = await readObjectAttributes(ctx);
  const expect = readBodyExpectations(ctx);
  if (expect.size === undefined && ctx.header('transfer-encoding') === undefined) {
    throw new S3Error('MissingContentLength');
  }
  const { version } = await ctx.engine.appendObject({
    bucket: ctx.bucket,
    key: ctx.key,
    actor: ctx.actor,
    position,
    body: ctx.body(),
    expect,
    ...attributes,
    signal: ctx.signal,
  });
  sendEmpty(ctx, 200, {
    etag: quoteEtag(version.etag),
    'x-cos-next-append-position': String(version.size),
    ...sseHeaders(ctx, version.sse, { customerKeyMd5: readCustomerKey(ctx)?.md5 }),
    ...(version.crc64 !== undefined ? { 'x-cos-hash-crc64ecma': version.crc64 } : {}),
  });
}

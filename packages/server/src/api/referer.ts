import { S3Error } from '@coffer/protocol';
import { parseReferer, renderReferer } from '../codecs/referer.js';
import { refererAllowed } from '../engine/referer.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import { requireXmlBody } from './bucket.js';

/** PUT Bucket ?referer (COS hotlink protection): Status, RefererType, DomainList, EmptyReferConfiguration. */
export async function putBucketReferer(ctx: RequestContext): Promise<void> {
  const config = parseReferer(await requireXmlBody(ctx, 'RefererConfiguration'));
  await ctx.engine.putBucketReferer(ctx.bucket, config);
  sendEmpty(ctx, 200);
}

/** GET Bucket ?referer: 404 NoSuchRefererConfiguration when none was put. */
export async function getBucketReferer(ctx: RequestContext): Promise<void> {
  // COS answers without the S3 namespace; the COS SDK ignores it either way.
  sendXml(ctx, 'RefererConfiguration', renderReferer(await ctx.engine.getBucketReferer(ctx.bucket)), {
    namespace: false,
  });
}

/**
 * COS hotlink protection: a bucket's Referer list applies to what a browser fetches — anonymous
 * requests, presigned URLs and form uploads — never to requests signed in a header, which come
 * from an application holding a key, not from a page embedding a link.
 */
export async function enforceReferer(ctx: RequestContext): Promise<void> {
  if (ctx.address.bucket === undefined) return;
  if (ctx.auth.kind !== 'anonymous' && !ctx.auth.presigned) return;
  const config = await ctx.engine.bucketReferer(ctx.address.bucket);
  if (!config || refererAllowed(config, ctx.header('referer'))) return;
  throw new S3Error('AccessDenied', "Access Denied: the Referer is not allowed by the bucket's referer configuration.");
}

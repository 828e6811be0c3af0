import { parseReferer, renderReferer } from '../engine/referer-config.js';
import type { RequestContext } from '../http/request-context.js';
import { sendEmpty, sendXml } from '../http/respond.js';
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

import { parseLogging, renderLogging } from '../codecs/logging.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import { requireXmlBody } from './bucket.js';

/**
 * PUT Bucket logging: a LoggingEnabled turns access logging on (records in the S3 format when an S3
 * client sets it, in COS's fields when a COS client does), an empty BucketLoggingStatus turns it off.
 */
export async function putBucketLogging(ctx: RequestContext): Promise<void> {
  const config = parseLogging(await requireXmlBody(ctx, 'BucketLoggingStatus'), ctx.flavor);
  await ctx.engine.putBucketLogging(ctx.bucket, config);
  sendEmpty(ctx, 200);
}

/** GET Bucket logging: the target, or an empty BucketLoggingStatus when logging is off. */
export async function getBucketLogging(ctx: RequestContext): Promise<void> {
  sendXml(ctx, 'BucketLoggingStatus', renderLogging(await ctx.engine.getBucketLogging(ctx.bucket)));
}

import { parseVersioning, renderVersioning } from '../codecs/versioning.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import { requireXmlBody } from './bucket.js';

/** PUT Bucket ?versioning. https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html */
export async function putBucketVersioning(ctx: RequestContext): Promise<void> {
  const { status } = parseVersioning(await requireXmlBody(ctx, 'VersioningConfiguration'));
  // A configuration without Status changes nothing, as in S3 (there is no way back to "never enabled").
  if (status !== undefined) await ctx.engine.setBucketVersioning(ctx.bucket, status);
  else await ctx.engine.headBucket(ctx.bucket);
  sendEmpty(ctx, 200);
}

/** GET Bucket ?versioning: empty for a bucket that never had versioning. */
export async function getBucketVersioning(ctx: RequestContext): Promise<void> {
  const bucket = await ctx.engine.headBucket(ctx.bucket);
  sendXml(ctx, 'VersioningConfiguration', renderVersioning(bucket.versioning));
}

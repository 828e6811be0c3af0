import { renderTaggingXml } from '../codecs/tagging.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import { readTaggingBody } from './object-tagging.js';

/** PUT Bucket ?tagging: replaces the bucket's tag set (at most 50 tags). https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html */
export async function putBucketTagging(ctx: RequestContext): Promise<void> {
  await ctx.engine.putBucketTagging(ctx.bucket, await readTaggingBody(ctx));
  sendEmpty(ctx, 204);
}

/** GET Bucket ?tagging: 404 NoSuchTagSet when the bucket has none (the COS SDK turns that into Tags: []). */
export async function getBucketTagging(ctx: RequestContext): Promise<void> {
  sendXml(ctx, 'Tagging', renderTaggingXml(await ctx.engine.getBucketTagging(ctx.bucket)));
}

/** DELETE Bucket ?tagging: 204. */
export async function deleteBucketTagging(ctx: RequestContext): Promise<void> {
  await ctx.engine.putBucketTagging(ctx.bucket, null);
  sendEmpty(ctx, 204);
}

import { S3Error } from '@coffer/protocol';
import type { BucketRecord } from '../stores/types.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';
import type { CorsConfiguration } from './cors-config.js';
import type { RefererConfiguration } from './referer-config.js';

/**
 * The browser-facing bucket configurations, CORS and Referer, each one JSON document in the
 * generic bucket config store (as ACLs, policies and lifecycle rules are).
 */
const CORS = 'cors';
const REFERER = 'referer';

/** PUT Bucket cors (null deletes). https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html */
export async function putBucketCors(ctx: EngineContext, name: string, config: CorsConfiguration | null): Promise<void> {
  const bucket = await requireBucket(ctx, name);
  await ctx.meta.setBucketConfig(bucket.id, CORS, config === null ? null : JSON.stringify(config));
}

/** GET Bucket cors, or NoSuchCORSConfiguration. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketCors.html */
export async function getBucketCors(ctx: EngineContext, name: string): Promise<CorsConfiguration> {
  const { config } = await bucketCors(ctx, name);
  if (!config) throw new S3Error('NoSuchCORSConfiguration', 'The CORS configuration does not exist.');
  return config;
}

/**
 * The bucket (undefined when it does not exist) and its CORS configuration (undefined when it has
 * none), for preflights and for the CORS headers of actual requests, which must not fail on either.
 */
export async function bucketCors(
  ctx: EngineContext,
  name: string,
): Promise<{ bucket?: BucketRecord; config?: CorsConfiguration }> {
  const bucket = await ctx.meta.getBucket(name);
  if (!bucket) return {};
  const doc = await ctx.meta.getBucketConfig(bucket.id, CORS);
  return { bucket, ...(doc !== undefined ? { config: JSON.parse(doc) as CorsConfiguration } : {}) };
}

/** PUT Bucket referer (COS). https://www.tencentcloud.com/document/product/436/31423 */
export async function putBucketReferer(ctx: EngineContext, name: string, config: RefererConfiguration): Promise<void> {
  const bucket = await requireBucket(ctx, name);
  await ctx.meta.setBucketConfig(bucket.id, REFERER, JSON.stringify(config));
}

/** GET Bucket referer (COS), or NoSuchRefererConfiguration. https://www.tencentcloud.com/document/product/436/32493 */
export async function getBucketReferer(ctx: EngineContext, name: string): Promise<RefererConfiguration> {
  const bucket = await requireBucket(ctx, name);
  const doc = await ctx.meta.getBucketConfig(bucket.id, REFERER);
  if (doc === undefined) throw new S3Error('NoSuchRefererConfiguration', 'The referer configuration does not exist.');
  return JSON.parse(doc) as RefererConfiguration;
}

/** The Referer configuration to enforce: undefined when the bucket does not exist or has none. */
export async function bucketReferer(ctx: EngineContext, name: string): Promise<RefererConfiguration | undefined> {
  const bucket = await ctx.meta.getBucket(name);
  if (!bucket) return undefined;
  const doc = await ctx.meta.getBucketConfig(bucket.id, REFERER);
  return doc === undefined ? undefined : (JSON.parse(doc) as RefererConfiguration);
}

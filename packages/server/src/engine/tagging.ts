import { S3Error } from '@coffer/protocol';
import type { BucketRecord, ObjectVersion } from '../stores/types.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';
import { findObject } from './find-object.js';
import { decodeTagging, encodeTagging, type Tag, validateTags } from './tags.js';

/**
 * The tagging operations, on objects (their versions) and on buckets. The rules and the encodings
 * are in tags.ts.
 */
const BUCKET_TAGGING = 'tagging';

export interface ObjectTaggingResult {
  bucket: BucketRecord;
  /** The version whose tags were read or changed. */
  version: ObjectVersion;
  tags: Tag[];
}

async function setObjectTags(
  ctx: EngineContext,
  input: { bucket: string; key: string; versionId?: string },
  tags: Tag[],
): Promise<ObjectTaggingResult> {
  const bucket = await requireBucket(ctx, input.bucket);
  const version = await findObject(ctx, bucket, input.key, input.versionId);
  // The version found is named by id, so a write landing meanwhile is not tagged by mistake. Only
  // the tags change: not Last-Modified, not the version (S3 does the same).
  const changed = await ctx.meta.setObjectTagging(bucket.id, input.key, version.versionId, encodeTagging(tags) ?? null);
  if (!changed) throw new S3Error(input.versionId === undefined ? 'NoSuchKey' : 'NoSuchVersion');
  return { bucket, version, tags };
}

/**
 * PutObjectTagging: replaces the version's whole tag set (an empty set removes it); an invalid set
 * changes nothing. https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html
 */
export function putObjectTagging(
  ctx: EngineContext,
  input: { bucket: string; key: string; versionId?: string; tags: Tag[] },
): Promise<ObjectTaggingResult> {
  validateTags(input.tags, 'object');
  return setObjectTags(ctx, input, input.tags);
}

/** GetObjectTagging: an object without tags has an empty set. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectTagging.html */
export async function getObjectTagging(
  ctx: EngineContext,
  input: { bucket: string; key: string; versionId?: string },
): Promise<ObjectTaggingResult> {
  const bucket = await requireBucket(ctx, input.bucket);
  const version = await findObject(ctx, bucket, input.key, input.versionId);
  return { bucket, version, tags: decodeTagging(version.tagging) };
}

/** DeleteObjectTagging. https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjectTagging.html */
export function deleteObjectTagging(
  ctx: EngineContext,
  input: { bucket: string; key: string; versionId?: string },
): Promise<ObjectTaggingResult> {
  return setObjectTags(ctx, input, []);
}

/**
 * PutBucketTagging (tags null: DeleteBucketTagging). An empty set leaves the bucket without tags.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html
 */
export async function putBucketTagging(ctx: EngineContext, name: string, tags: Tag[] | null): Promise<void> {
  if (tags) validateTags(tags, 'bucket');
  const bucket = await requireBucket(ctx, name);
  await ctx.meta.setBucketConfig(bucket.id, BUCKET_TAGGING, tags?.length ? JSON.stringify(tags) : null);
}

/** GetBucketTagging, or 404 NoSuchTagSet. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html */
export async function getBucketTagging(ctx: EngineContext, name: string): Promise<Tag[]> {
  const bucket = await requireBucket(ctx, name);
  const doc = await ctx.meta.getBucketConfig(bucket.id, BUCKET_TAGGING);
  if (doc === undefined) throw new S3Error('NoSuchTagSet', 'The TagSet does not exist');
  return JSON.parse(doc) as Tag[];
}

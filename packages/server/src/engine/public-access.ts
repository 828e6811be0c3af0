import { S3Error } from '@coffer/protocol';
import { decodePublicAccessBlock, type ObjectOwnership, type PublicAccessBlock } from '../authz/public-access.js';
import type { BucketRecord } from '../stores/types.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';

/** Bucket configuration kinds (the store's bucket_configs). */
export const PUBLIC_ACCESS_BLOCK = 'public-access-block';
export const OWNERSHIP = 'ownership';

/**
 * GET ?publicAccessBlock: the bucket's own configuration (not the account's), or 404
 * NoSuchPublicAccessBlockConfiguration. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetPublicAccessBlock.html
 */
export async function getPublicAccessBlock(ctx: EngineContext, bucketName: string): Promise<PublicAccessBlock> {
  const bucket = await requireBucket(ctx, bucketName);
  const block = decodePublicAccessBlock(await ctx.meta.getBucketConfig(bucket.id, PUBLIC_ACCESS_BLOCK));
  if (!block) {
    throw new S3Error('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found.', {
      details: { BucketName: bucketName },
    });
  }
  return block;
}

/** Sets (or with null removes) a bucket's Block Public Access. */
export async function putPublicAccessBlock(
  ctx: EngineContext,
  bucketName: string,
  block: PublicAccessBlock | null,
): Promise<void> {
  const bucket = await requireBucket(ctx, bucketName);
  await ctx.meta.setBucketConfig(bucket.id, PUBLIC_ACCESS_BLOCK, block && JSON.stringify(block));
}

/** A bucket's Object Ownership, undefined when none was set (Coffer then behaves as ObjectWriter). */
export async function bucketOwnership(ctx: EngineContext, bucket: BucketRecord): Promise<ObjectOwnership | undefined> {
  return (await ctx.meta.getBucketConfig(bucket.id, OWNERSHIP)) as ObjectOwnership | undefined;
}

/** GET ?ownershipControls, or 404 OwnershipControlsNotFoundError. */
export async function getOwnershipControls(ctx: EngineContext, bucketName: string): Promise<ObjectOwnership> {
  const bucket = await requireBucket(ctx, bucketName);
  const ownership = await bucketOwnership(ctx, bucket);
  if (!ownership) {
    throw new S3Error('OwnershipControlsNotFoundError', 'The bucket ownership controls were not found.', {
      details: { BucketName: bucketName },
    });
  }
  return ownership;
}

/** Sets (or with null removes) a bucket's Object Ownership. */
export async function putOwnershipControls(
  ctx: EngineContext,
  bucket: BucketRecord,
  ownership: ObjectOwnership | null,
): Promise<void> {
  await ctx.meta.setBucketConfig(bucket.id, OWNERSHIP, ownership);
}

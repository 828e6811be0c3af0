import { S3Error } from '@coffer/protocol';
import { type Acl, cannedAcl } from '../authz/acl.js';
import { decodePublicAccessBlock, type ObjectOwnership, type PublicAccessBlock } from '../authz/public-access.js';
import type { BucketRecord } from '../stores/types.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';
import { findObject } from './find-object.js';
import { bucketOwnership, PUBLIC_ACCESS_BLOCK } from './public-access.js';

const ACL = 'acl';
const POLICY = 'policy';
const POLICY_LOCKOUT = 'policy-lockout';

/** A bucket's ACL: what was set, or `private` for its owner when nothing was. */
export async function getBucketAcl(ctx: EngineContext, bucket: BucketRecord): Promise<Acl> {
  const doc = await ctx.meta.getBucketConfig(bucket.id, ACL);
  return doc === undefined ? cannedAcl('private', 'bucket', bucket.ownerId)! : (JSON.parse(doc) as Acl);
}

export async function putBucketAcl(ctx: EngineContext, bucketName: string, acl: Acl): Promise<void> {
  const bucket = await requireBucket(ctx, bucketName);
  await ctx.meta.setBucketConfig(bucket.id, ACL, JSON.stringify(acl));
}

/** An object's own ACL, or undefined when it has the default one (the bucket's applies, as in COS). */
export async function getObjectAcl(
  ctx: EngineContext,
  bucketName: string,
  key: string,
  versionId: string | undefined,
): Promise<{ bucket: BucketRecord; acl: Acl | undefined; ownerId: string; versionId: string }> {
  const bucket = await requireBucket(ctx, bucketName);
  const version = await findObject(ctx, bucket, key, versionId);
  return {
    bucket,
    acl: version.acl ? (JSON.parse(version.acl) as Acl) : undefined,
    ownerId: version.ownerId,
    versionId: version.versionId,
  };
}

export async function putObjectAcl(
  ctx: EngineContext,
  bucketName: string,
  key: string,
  versionId: string | undefined,
  acl: Acl | undefined,
): Promise<void> {
  const bucket = await requireBucket(ctx, bucketName);
  await findObject(ctx, bucket, key, versionId);
  const changed = await ctx.meta.setObjectAcl(bucket.id, key, versionId, acl ? JSON.stringify(acl) : null);
  if (!changed) throw new S3Error('NoSuchKey');
}

/** The bucket policy document as it was put (COS and S3 return it verbatim), or NoSuchBucketPolicy. */
export async function getBucketPolicy(ctx: EngineContext, bucketName: string): Promise<string> {
  const bucket = await requireBucket(ctx, bucketName);
  const doc = await ctx.meta.getBucketConfig(bucket.id, POLICY);
  if (doc === undefined) throw new S3Error('NoSuchBucketPolicy', 'The bucket policy does not exist.');
  return doc;
}

/**
 * Sets (or, with null, deletes) the bucket policy. `lockOutOwner` records S3's
 * x-amz-confirm-remove-self-bucket-access: without it the owner account's root can always read,
 * replace and delete the policy, whatever it denies (see selfLockedOut).
 */
export async function putBucketPolicy(
  ctx: EngineContext,
  bucketName: string,
  doc: string | null,
  lockOutOwner = false,
): Promise<void> {
  const bucket = await requireBucket(ctx, bucketName);
  await ctx.meta.setBucketConfig(bucket.id, POLICY, doc);
  await ctx.meta.setBucketConfig(bucket.id, POLICY_LOCKOUT, doc !== null && lockOutOwner ? '1' : null);
}

/** Whether the bucket policy was put with x-amz-confirm-remove-self-bucket-access: true. */
export async function selfLockedOut(ctx: EngineContext, bucket: BucketRecord): Promise<boolean> {
  return (await ctx.meta.getBucketConfig(bucket.id, POLICY_LOCKOUT)) !== undefined;
}

/** What authorization needs to know about a bucket: its record, ACL and policy text (one read each). */
export async function bucketAccess(ctx: EngineContext, bucketName: string): Promise<BucketAccess | undefined> {
  const bucket = await ctx.meta.getBucket(bucketName);
  if (!bucket) return undefined;
  const [acl, policy, block, ownership] = await Promise.all([
    getBucketAcl(ctx, bucket),
    ctx.meta.getBucketConfig(bucket.id, POLICY),
    ctx.meta.getBucketConfig(bucket.id, PUBLIC_ACCESS_BLOCK),
    bucketOwnership(ctx, bucket),
  ]);
  const publicAccessBlock = decodePublicAccessBlock(block);
  const access: BucketAccess = { bucket, acl };
  if (policy !== undefined) access.policy = policy;
  if (publicAccessBlock) access.publicAccessBlock = publicAccessBlock;
  if (ownership) access.ownership = ownership;
  return access;
}

/** What authorization knows of a bucket. */
export interface BucketAccess {
  bucket: BucketRecord;
  acl: Acl;
  /** The bucket policy's text. */
  policy?: string;
  /** The bucket's own Block Public Access (the account's is added by the caller). */
  publicAccessBlock?: PublicAccessBlock;
  ownership?: ObjectOwnership;
}

import { S3Error } from '@coffer/protocol';
import { type BucketRecord, StoreError } from '../stores/types.js';
import type { EngineContext } from './context.js';
import { validateBucketName } from './names.js';

/** Who is acting: the owner id recorded on what they create (COS: qcs::cam::uin/<owner>:uin/<uin>). */
export interface Actor {
  ownerId: string;
  displayName: string;
}

/** Looks a bucket up or throws NoSuchBucket. */
export async function requireBucket(ctx: EngineContext, name: string): Promise<BucketRecord> {
  const bucket = await ctx.meta.getBucket(name);
  if (!bucket) throw new S3Error('NoSuchBucket', `The specified bucket does not exist: ${name}`);
  return bucket;
}

/**
 * PUT Bucket. https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
 * Re-creating your own bucket is 409 BucketAlreadyOwnedByYou (as S3 outside us-east-1 and COS do), or
 * with `ownedAgain: 'reset-acl'` what S3 answers in us-east-1 "for legacy compatibility": success, the
 * bucket's ACL reset to the request's (private when it names none).
 */
export async function createBucket(
  ctx: EngineContext,
  actor: Actor,
  name: string,
  options: { region?: string; acl?: string; ownedAgain?: 'refuse' | 'reset-acl' } = {},
): Promise<BucketRecord> {
  validateBucketName(name);
  if (options.region !== undefined && options.region !== '' && options.region !== ctx.region) {
    throw new S3Error(
      'IllegalLocationConstraintException',
      `The specified location-constraint "${options.region}" is not valid: this server serves ${ctx.region}.`,
      { details: { ArgumentName: 'LocationConstraint', ArgumentValue: options.region } },
    );
  }
  try {
    return await ctx.meta.createBucket({
      name,
      ownerId: actor.ownerId,
      region: ctx.region,
      createdMs: ctx.clock.nowMs(),
      ...(options.acl !== undefined ? { acl: options.acl } : {}),
    });
  } catch (err) {
    if (err instanceof StoreError && err.reason === 'conflict') {
      const existing = await ctx.meta.getBucket(name);
      if (existing && existing.ownerId === actor.ownerId && options.ownedAgain === 'reset-acl') {
        await ctx.meta.setBucketConfig(existing.id, 'acl', options.acl ?? null);
        return existing;
      }
      if (existing?.ownerId === actor.ownerId) throw new S3Error('BucketAlreadyOwnedByYou');
      throw new S3Error('BucketAlreadyExists');
    }
    throw err;
  }
}

/**
 * DELETE Bucket: only an empty bucket. https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html
 * What incomplete multipart uploads mean depends on the client family (`abortUploads`):
 * - COS counts them as content ("The bucket can be deleted only after you confirm that all completely
 *   and partially uploaded files have been deleted", COS console guide, Incomplete Multipart Upload),
 *   so the bucket is refused;
 * - S3 deletes a bucket whose only contents are incomplete uploads, and they go with it; S3 tools and
 *   test suites clean up that way (delete every version, then the bucket). The uploads are aborted in
 *   the bucket's own deleting transaction, so nothing is left behind and nothing is lost on refusal.
 */
export async function deleteBucket(
  ctx: EngineContext,
  name: string,
  options: { abortUploads: boolean },
): Promise<void> {
  try {
    await ctx.meta.deleteBucket(name, options.abortUploads ? { abortUploads: { nowMs: ctx.clock.nowMs() } } : {});
  } catch (err) {
    if (err instanceof StoreError) {
      if (err.reason === 'not-found') throw new S3Error('NoSuchBucket');
      if (err.reason === 'not-empty')
        throw new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty.');
      if (err.reason === 'has-uploads') {
        throw new S3Error(
          'BucketNotEmpty',
          'The bucket you tried to delete is not empty: it has incomplete multipart uploads, which must be aborted (deleted) first.',
        );
      }
    }
    throw err;
  }
}

/**
 * GET Service: the buckets of the caller's account. A sub-user's owner id is
 * `qcs::cam::uin/<account>:uin/<sub-user>`, and the account's buckets (made by the root or by any of its
 * sub-users) all start `qcs::cam::uin/<account>:`. A sub-user allowed GetService sees the account's
 * buckets, as in COS, where buckets belong to the account; what it may do in each is up to its policies.
 */
export async function listBuckets(ctx: EngineContext, actor: Actor): Promise<BucketRecord[]> {
  const account = /^(qcs::cam::uin\/[^:]+:)uin\//.exec(actor.ownerId)?.[1];
  if (account === undefined) return ctx.meta.listBuckets(actor.ownerId);
  return (await ctx.meta.listBuckets()).filter((b) => b.ownerId.startsWith(account));
}

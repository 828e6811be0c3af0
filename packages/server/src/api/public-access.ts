import { S3Error } from '@coffer/protocol';
import { type Acl, parseGrantHeaders } from '../authz/acl.js';
import type { Operation } from '../authz/actions.js';
import { accountOf } from '../authz/authorize.js';
import { cachedPolicy } from '../authz/policy-cache.js';
import { isPublicAcl, isPublicPolicy } from '../authz/public-access.js';
import { parseOwnershipControls, renderOwnershipControls } from '../codecs/ownership-controls.js';
import { parsePublicAccessBlock, renderPublicAccessBlock } from '../codecs/public-access-block.js';
import { bucketAccessOnce } from '../http-kit/authorize-request.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import { requestedAcl } from './acl.js';
import { blockOf, grantsBeyondOwner, publicAclBlocked } from './acl-guards.js';
import { requireXmlBody } from './bucket.js';

/**
 * Block Public Access (?publicAccessBlock), ?policyStatus and Object Ownership (?ownershipControls),
 * and the checks they impose on writes. What "public" means and what the flags change in access
 * decisions: authz/public-access.ts and authz/authorize.ts.
 */

/** PUT ?publicAccessBlock. https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutPublicAccessBlock.html */
export async function putPublicAccessBlock(ctx: RequestContext): Promise<void> {
  const block = parsePublicAccessBlock(await requireXmlBody(ctx, 'PublicAccessBlockConfiguration'));
  await ctx.engine.putPublicAccessBlock(ctx.bucket, block);
  sendEmpty(ctx, 200);
}

/** GET ?publicAccessBlock: the bucket's own flags (404 NoSuchPublicAccessBlockConfiguration when none). */
export async function getPublicAccessBlock(ctx: RequestContext): Promise<void> {
  sendXml(
    ctx,
    'PublicAccessBlockConfiguration',
    renderPublicAccessBlock(await ctx.engine.getPublicAccessBlock(ctx.bucket)),
  );
}

export async function deletePublicAccessBlock(ctx: RequestContext): Promise<void> {
  await ctx.engine.putPublicAccessBlock(ctx.bucket, null);
  sendEmpty(ctx, 204);
}

/**
 * GET ?policyStatus: whether the bucket policy makes the bucket public, as S3 judges it (an Allow for
 * everyone, or every account, not pinned by a condition to fixed values); 404 NoSuchBucketPolicy
 * without a policy. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicyStatus.html
 */
export async function getBucketPolicyStatus(ctx: RequestContext): Promise<void> {
  const bucket = await ctx.engine.headBucket(ctx.bucket);
  const text = await ctx.engine.getBucketPolicy(ctx.bucket);
  const policy = cachedPolicy(text, { bucket: bucket.name, appId: ctx.appIdOf(bucket.ownerId) }, 'bucket');
  sendXml(ctx, 'PolicyStatus', { IsPublic: isPublicPolicy(policy) });
}

/** PUT ?ownershipControls. https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketOwnershipControls.html */
export async function putBucketOwnershipControls(ctx: RequestContext): Promise<void> {
  const ownership = parseOwnershipControls(await requireXmlBody(ctx, 'OwnershipControls'));
  if (ownership === 'BucketOwnerEnforced') {
    const { acl, bucket } = await ctx.engine.getBucketAcl(ctx.bucket);
    if (grantsBeyondOwner(acl.grants, bucket.ownerId)) {
      throw new S3Error('InvalidBucketAclWithObjectOwnership', undefined, { details: { BucketName: ctx.bucket } });
    }
  }
  await ctx.engine.putOwnershipControls(ctx.bucket, ownership);
  sendEmpty(ctx, 200);
}

export async function getBucketOwnershipControls(ctx: RequestContext): Promise<void> {
  sendXml(ctx, 'OwnershipControls', renderOwnershipControls(await ctx.engine.getOwnershipControls(ctx.bucket)));
}

export async function deleteBucketOwnershipControls(ctx: RequestContext): Promise<void> {
  await ctx.engine.putOwnershipControls(ctx.bucket, null);
  sendEmpty(ctx, 204);
}

/** Object writes that may carry ACL headers. */
const OBJECT_WRITES = new Set<Operation>(['PutObject', 'CopyObject', 'CreateMultipartUpload', 'AppendObject']);

/**
 * Before an object write's handler: what the bucket's Object Ownership and Block Public Access say
 * about the ACL headers it carries, and who will own what it writes.
 * - BucketOwnerEnforced: ACL headers other than `bucket-owner-full-control` are 400
 *   AccessControlListNotSupported, and the bucket owner owns the object;
 * - BucketOwnerPreferred: with `bucket-owner-full-control` the bucket owner owns it;
 * - BlockPublicAcls: a public ACL (canned or grants) is 403 AccessDenied.
 */
export async function guardObjectWrite(ctx: RequestContext, operation: Operation): Promise<void> {
  if (!OBJECT_WRITES.has(operation) || ctx.address.bucket === undefined) return;
  const canned = ctx.vendorHeader('acl');
  const grants = parseGrantHeaders(
    (name) => ctx.header(name),
    (uin) => uin,
  );
  await guardWriteAcl(
    ctx,
    canned,
    grants !== undefined,
    (owner, bucketOwner) => requestedAcl(ctx, 'object', owner, bucketOwner).acl,
  );
}

/**
 * The checks of `guardObjectWrite` for any write (POST Object passes its form fields): `canned` and
 * `hasGrants` say which ACL the write names; `aclOf` builds it for an owner once ownership is decided.
 */
export async function guardWriteAcl(
  ctx: RequestContext,
  canned: string | undefined,
  hasGrants: boolean,
  aclOf: (owner: string, bucketOwner: string) => Acl | undefined,
): Promise<void> {
  const access = await bucketAccessOnce(ctx, ctx.bucket);
  if (!access) return;
  const named = canned !== undefined || hasGrants;
  const fullControl = canned?.toLowerCase() === 'bucket-owner-full-control' && !hasGrants;
  if (access.ownership === 'BucketOwnerEnforced' && named && !fullControl) {
    throw new S3Error('AccessControlListNotSupported');
  }
  if (access.ownership === 'BucketOwnerEnforced' || (access.ownership === 'BucketOwnerPreferred' && fullControl)) {
    if (accountOf(ctx.actor.ownerId) !== accountOf(access.bucket.ownerId)) {
      ctx.actor = { ownerId: access.bucket.ownerId, displayName: access.bucket.ownerId };
    }
  }
  if (named && blockOf(ctx, access)?.blockPublicAcls && isPublicAcl(aclOf(ctx.actor.ownerId, access.bucket.ownerId))) {
    throw publicAclBlocked();
  }
}

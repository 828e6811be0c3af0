import { S3Error } from '@coffer/protocol';
import { type Acl, cannedAcl } from '../authz/acl.js';
import { accountOf } from '../authz/authorize.js';
import {
  decodePublicAccessBlock,
  effectiveBlock,
  isPublicAcl,
  type PublicAccessBlock,
} from '../authz/public-access.js';
import type { BucketAccess } from '../engine/access.js';
import { bucketAccessOnce } from '../http-kit/authorize-request.js';
import type { RequestContext } from '../http-kit/request-context.js';

/**
 * What Object Ownership and Block Public Access say about ACLs and policies being set
 * (api/public-access.ts serves the configurations themselves).
 */

/** Does an ACL grant anything to anyone outside the owner's account (a group, another account's user)? */
export function grantsBeyondOwner(grants: { grantee: { type: string; id?: string } }[], ownerId: string): boolean {
  const account = accountOf(ownerId);
  return grants.some((g) => g.grantee.type === 'group' || accountOf(g.grantee.id ?? '') !== account);
}

/** The Block Public Access in force on a bucket: its own flags and its owner account's. */
export function blockOf(ctx: RequestContext, access: BucketAccess): PublicAccessBlock | undefined {
  const account = ctx.accounts.registry.byUin(accountOf(access.bucket.ownerId));
  return effectiveBlock(access.publicAccessBlock, decodePublicAccessBlock(account?.publicAccessBlock));
}

export function publicAclBlocked(): S3Error {
  return new S3Error('AccessDenied', 'Access Denied: Block Public Access (BlockPublicAcls) refuses public ACLs.');
}

export function publicPolicyBlocked(): S3Error {
  return new S3Error('AccessDenied', 'Access Denied: Block Public Access (BlockPublicPolicy) refuses public policies.');
}

/**
 * A PUT ?acl's new ACL against the bucket's settings: BucketOwnerEnforced allows only the owner's full
 * control (`private` for a bucket, `bucket-owner-full-control` for an object); BlockPublicAcls refuses
 * a public one.
 */
export async function guardAclChange(
  ctx: RequestContext,
  kind: 'bucket' | 'object',
  acl: Acl | undefined,
): Promise<void> {
  const access = await bucketAccessOnce(ctx, ctx.bucket);
  if (!access) return;
  if (access.ownership === 'BucketOwnerEnforced') {
    const canned = ctx.vendorHeader('acl')?.toLowerCase();
    const ownerOnly = acl !== undefined && !grantsBeyondOwner(acl.grants, access.bucket.ownerId);
    const allowed = kind === 'bucket' ? ownerOnly : canned === 'bucket-owner-full-control' || ownerOnly;
    if (!allowed) throw new S3Error('AccessControlListNotSupported');
  }
  if (acl && blockOf(ctx, access)?.blockPublicAcls && isPublicAcl(acl)) {
    throw publicAclBlocked();
  }
}

/** The ACL GET ?acl shows on a BucketOwnerEnforced bucket: the bucket owner's full control, nothing else. */
export function enforcedAcl(ownerId: string) {
  return cannedAcl('private', 'bucket', ownerId)!;
}

/** Whether the request's bucket has ACLs disabled (Object Ownership BucketOwnerEnforced). */
export async function aclsDisabled(ctx: RequestContext): Promise<boolean> {
  return (await bucketAccessOnce(ctx, ctx.bucket))?.ownership === 'BucketOwnerEnforced';
}

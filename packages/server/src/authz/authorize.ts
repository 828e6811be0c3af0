import { type Acl, aclGrants } from './acl.js';
import { actionOf, type Operation } from './actions.js';
import { type ConditionContext, evaluatePolicy, type Policy, type PolicyRequest } from './policy.js';
import { isPublicPolicy, type ObjectOwnership, type PublicAccessBlock, withoutPublicGrants } from './public-access.js';

/** Who is asking, as authorization sees it. */
export interface Caller {
  /** `qcs::cam::uin/<owner uin>:uin/<uin>`; undefined for anonymous requests. */
  id?: string;
  /** The account (owner uin) the caller belongs to. */
  accountUin?: string;
  /** True for an account's root key (and STS credentials issued to it). */
  isRoot: boolean;
  /** CAM-style policies attached to a sub-user. */
  userPolicies: Policy[];
  /** The policy an STS token was issued with: it can only narrow the caller's rights. */
  sessionPolicy?: Policy;
}

export interface AuthorizeInput {
  operation: Operation;
  caller: Caller;
  bucket?: {
    name: string;
    ownerId: string;
    acl?: Acl;
    policy?: Policy;
    /** S3 Object Ownership; BucketOwnerEnforced turns ACLs off. */
    ownership?: ObjectOwnership;
    /** Block Public Access in force (the bucket's and its account's flags together). */
    publicAccessBlock?: PublicAccessBlock;
  };
  key?: string;
  /** The object's own ACL; undefined means "default": the bucket's ACL applies (COS). */
  objectAcl?: Acl;
  /** Who owns the object (its writer, unless ownership made it the bucket owner). */
  objectOwnerId?: string;
  context: ConditionContext;
}

export interface Decision {
  allowed: boolean;
  /** Why, for logs and tests (never sent to clients). */
  reason: string;
}

/** The account uin of an owner id `qcs::cam::uin/<owner>:uin/<uin>`. */
export function accountOf(ownerId: string): string | undefined {
  return /^qcs::cam::uin\/(\d+):uin\/\d+$/.exec(ownerId)?.[1];
}

/** The id of an account's root: what a grant or a policy naming the account (not one of its users) names. */
export function accountRootId(accountUin: string): string {
  return `qcs::cam::uin/${accountUin}:uin/${accountUin}`;
}

/** Operations whose ACL check reads the object's own ACL (its readers and its ACL's readers and writers). */
const OBJECT_ACL_PERMISSIONS = new Set(['READ', 'READ_ACP', 'WRITE_ACP']);

/**
 * The one authorization decision, for every request: ACLs + bucket policy + user policies + the
 * STS session policy. An explicit deny anywhere wins; a session policy must also allow; otherwise
 * the bucket owner's root, a user policy, the bucket policy or the ACL can allow. No handler
 * checks permissions on its own.
 *
 * Across accounts it follows S3: a grant (ACL or bucket policy) may name another account's user, or
 * the account itself, which its root may then use and its sub-users too when their own user policies
 * allow the action. An object another account wrote (ObjectWriter ownership) is readable by the
 * bucket's account only through the object's ACL (`bucket-owner-full-control`). Block Public Access:
 * IgnorePublicAcls drops grants to everyone and to every signed-in user; RestrictPublicBuckets, on a
 * bucket whose policy is public, lets no one outside the owner's account in by policy or ACL.
 */
export function authorize(input: AuthorizeInput): Decision {
  const spec = actionOf(input.operation);
  const { caller, bucket } = input;
  const bucketLevel = spec.target !== 'object' || input.key === undefined;
  const request: PolicyRequest = {
    action: { cos: spec.cos, s3: spec.s3 },
    resource: bucket === undefined ? '*' : bucketLevel ? bucket.name : `${bucket.name}/${input.key}`,
    bucketLevel,
    context: input.context,
  };
  if (caller.id !== undefined) request.principalId = caller.id;
  const ownerAccount = bucket && accountOf(bucket.ownerId);
  const sameAccount = bucket === undefined || (caller.accountUin !== undefined && ownerAccount === caller.accountUin);
  // A sub-user of another account may use a grant naming its account when its own policies allow the action.
  const delegatedFrom =
    caller.accountUin !== undefined && !caller.isRoot && !sameAccount ? accountRootId(caller.accountUin) : undefined;

  const userPolicy = caller.userPolicies.reduce<'allow' | 'deny' | 'none'>((verdict, p) => {
    if (verdict === 'deny') return verdict;
    const v = evaluatePolicy(p, request);
    return v === 'none' ? verdict : v;
  }, 'none');
  let bucketPolicy = bucket?.policy ? evaluatePolicy(bucket.policy, request) : 'none';
  if (bucket?.policy && delegatedFrom !== undefined && bucketPolicy !== 'deny') {
    const forAccount = evaluatePolicy(bucket.policy, { ...request, principalId: delegatedFrom });
    if (forAccount === 'deny' || (forAccount === 'allow' && userPolicy === 'allow')) bucketPolicy = forAccount;
  }
  const session = caller.sessionPolicy ? evaluatePolicy(caller.sessionPolicy, request) : undefined;

  if (bucketPolicy === 'deny') return { allowed: false, reason: 'explicit deny in the bucket policy' };
  if (userPolicy === 'deny') return { allowed: false, reason: 'explicit deny in a user policy' };
  if (session === 'deny') return { allowed: false, reason: 'explicit deny in the session policy' };
  if (session === 'none') return { allowed: false, reason: 'the session policy does not allow it' };

  const aclsOff = bucket?.ownership === 'BucketOwnerEnforced';
  const objectAccount = input.objectOwnerId === undefined ? undefined : accountOf(input.objectOwnerId);
  // An object another account owns with an ACL of its own: the bucket's account reads it (and its
  // ACL) only as that ACL says. (An object left at COS's `default` ACL follows the bucket's.)
  const foreignObject =
    !aclsOff &&
    input.objectAcl !== undefined &&
    !bucketLevel &&
    !spec.aclOnBucket &&
    OBJECT_ACL_PERMISSIONS.has(spec.acl) &&
    objectAccount !== undefined &&
    objectAccount !== ownerAccount;

  if (caller.id !== undefined && caller.isRoot && !foreignObject) {
    if (bucket === undefined) return { allowed: true, reason: 'account root (service operation)' };
    if (sameAccount) return { allowed: true, reason: 'bucket owner' };
  }
  if (userPolicy === 'allow' && sameAccount && !foreignObject) return { allowed: true, reason: 'user policy' };

  // RestrictPublicBuckets: a bucket with a public policy lets only its own account in.
  const restricted = bucket?.publicAccessBlock?.restrictPublicBuckets === true && isPublicPolicy(bucket.policy);
  if (restricted && !sameAccount) return { allowed: false, reason: 'RestrictPublicBuckets: public policy' };
  if (bucketPolicy === 'allow') return { allowed: true, reason: 'bucket policy' };
  const permission = spec.acl;
  if (bucket && permission !== 'OWNER' && !aclsOff) {
    const useBucketAcl = spec.target === 'bucket' || spec.aclOnBucket || input.objectAcl === undefined;
    let acl = useBucketAcl ? bucket.acl : input.objectAcl;
    if (acl && bucket.publicAccessBlock?.ignorePublicAcls) acl = withoutPublicGrants(acl);
    const grants = (id: string | undefined) => acl !== undefined && aclGrants(acl, id, permission);
    // The bucket's account reaching a foreign object through a grant to the account (bucket-owner-full-control).
    const viaAccount = (account: string | undefined) =>
      account !== undefined &&
      account !== caller.id &&
      (caller.isRoot || userPolicy === 'allow') &&
      grants(accountRootId(account));
    if (
      grants(caller.id) ||
      (delegatedFrom !== undefined && userPolicy === 'allow' && grants(delegatedFrom)) ||
      (foreignObject && sameAccount && viaAccount(caller.accountUin))
    ) {
      return { allowed: true, reason: useBucketAcl ? 'bucket ACL' : 'object ACL' };
    }
    if (
      !useBucketAcl &&
      input.objectAcl &&
      caller.id === input.objectAcl.owner &&
      (permission === 'READ_ACP' || permission === 'WRITE_ACP')
    ) {
      return { allowed: true, reason: 'object owner' };
    }
  }
  return { allowed: false, reason: 'no policy or ACL allows it' };
}

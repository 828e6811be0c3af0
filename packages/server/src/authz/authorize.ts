import { type Acl, aclGrants } from './acl.js';
import { actionOf, type Operation } from './actions.js';
import { type ConditionContext, evaluatePolicy, type Policy, type PolicyRequest } from './policy.js';

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
  bucket?: { name: string; ownerId: string; acl?: Acl; policy?: Policy };
  key?: string;
  /** The object's own ACL; undefined means "default": the bucket's ACL applies (COS). */
  objectAcl?: Acl;
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

/**
 * The one authorization decision, for every request: ACLs + bucket policy + user policies + the
 * STS session policy. An explicit deny anywhere wins; a session policy must also allow; otherwise
 * the bucket owner's root, a user policy, the bucket policy or the ACL can allow. No handler
 * checks permissions on its own.
 */
export function authorize(input: AuthorizeInput): Decision {
  const spec = actionOf(input.operation);
  const { caller, bucket } = input;
  const bucketLevel = spec.target !== 'object' || input.key === undefined;
  const request: PolicyRequest = {
    ...(caller.id !== undefined ? { principalId: caller.id } : {}),
    action: { cos: spec.cos, s3: spec.s3 },
    resource: bucket === undefined ? '*' : bucketLevel ? bucket.name : `${bucket.name}/${input.key}`,
    bucketLevel,
    context: input.context,
  };

  const bucketPolicy = bucket?.policy ? evaluatePolicy(bucket.policy, request) : 'none';
  const userPolicy = caller.userPolicies.reduce<'allow' | 'deny' | 'none'>((verdict, p) => {
    if (verdict === 'deny') return verdict;
    const v = evaluatePolicy(p, request);
    return v === 'none' ? verdict : v;
  }, 'none');
  const session = caller.sessionPolicy ? evaluatePolicy(caller.sessionPolicy, request) : undefined;

  if (bucketPolicy === 'deny') return { allowed: false, reason: 'explicit deny in the bucket policy' };
  if (userPolicy === 'deny') return { allowed: false, reason: 'explicit deny in a user policy' };
  if (session === 'deny') return { allowed: false, reason: 'explicit deny in the session policy' };
  if (session === 'none') return { allowed: false, reason: 'the session policy does not allow it' };

  if (caller.id !== undefined && caller.isRoot) {
    if (bucket === undefined) return { allowed: true, reason: 'account root (service operation)' };
    if (accountOf(bucket.ownerId) === caller.accountUin) return { allowed: true, reason: 'bucket owner' };
  }
  if (userPolicy === 'allow' && (bucket === undefined || accountOf(bucket.ownerId) === caller.accountUin)) {
    return { allowed: true, reason: 'user policy' };
  }
  if (bucketPolicy === 'allow') return { allowed: true, reason: 'bucket policy' };
  if (bucket && spec.acl !== 'OWNER') {
    const useBucketAcl = spec.target === 'bucket' || spec.aclOnBucket || input.objectAcl === undefined;
    const acl = useBucketAcl ? bucket.acl : input.objectAcl;
    if (acl && aclGrants(acl, caller.id, spec.acl))
      return { allowed: true, reason: useBucketAcl ? 'bucket ACL' : 'object ACL' };
    if (
      !useBucketAcl &&
      input.objectAcl &&
      caller.id === input.objectAcl.owner &&
      (spec.acl === 'READ_ACP' || spec.acl === 'WRITE_ACP')
    ) {
      return { allowed: true, reason: 'object owner' };
    }
  }
  return { allowed: false, reason: 'no policy or ACL allows it' };
}

import type { Acl } from './acl.js';
import type { Policy, Statement } from './policy.js';

/**
 * Block Public Access: four independent flags, set on a bucket (PUT ?publicAccessBlock) or on an
 * account (the admin API). BlockPublicAcls and BlockPublicPolicy refuse writes that would make a
 * bucket public (api/acl-guards.ts, api/public-access.ts); IgnorePublicAcls and RestrictPublicBuckets change
 * what `authorize` lets through.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PublicAccessBlockConfiguration.html
 */
export interface PublicAccessBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

export const NO_BLOCK: PublicAccessBlock = {
  blockPublicAcls: false,
  ignorePublicAcls: false,
  blockPublicPolicy: false,
  restrictPublicBuckets: false,
};

/** Stored form (JSON) ⇄ value. */
export function decodePublicAccessBlock(doc: string | undefined): PublicAccessBlock | undefined {
  return doc === undefined ? undefined : { ...NO_BLOCK, ...(JSON.parse(doc) as Partial<PublicAccessBlock>) };
}

/**
 * What "public" means for Block Public Access and ?policyStatus, as S3 defines it.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
 */

/** An ACL is public when it grants anything to everyone (AllUsers) or to every signed-in user (AuthenticatedUsers). */
export function isPublicAcl(acl: Acl | undefined): boolean {
  return acl?.grants.some((g) => g.grantee.type === 'group' && g.grantee.group !== 'LogDelivery') ?? false;
}

/** The ACL without its public grants: what IgnorePublicAcls leaves of it. */
export function withoutPublicGrants(acl: Acl): Acl {
  return {
    owner: acl.owner,
    grants: acl.grants.filter((g) => g.grantee.type !== 'group' || g.grantee.group === 'LogDelivery'),
  };
}

/**
 * Condition keys whose fixed values make a statement non-public: it then applies to known accounts,
 * networks or sources only. Keys are in policy.ts's normalised form.
 */
const PINNING_KEYS = new Set([
  'aws:sourcearn',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceowner',
  'aws:sourceaccount',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:principalorgid',
  'aws:userid',
  'qcs:uin',
  'qcs:owner_uin',
]);
/** Operators that compare with fixed values (no wildcards). */
const FIXED_OPERATORS = new Set(['eq', 'eqi']);

/** Does this CIDR name a range narrow enough to be non-public (S3: an IPv4 prefix of /8 or longer, IPv6 /32)? */
function narrowRange(cidr: string): boolean {
  const [address, bits] = cidr.split('/');
  const prefix = bits === undefined ? (address!.includes(':') ? 128 : 32) : Number(bits);
  return address!.includes(':') ? prefix >= 32 : prefix >= 8;
}

function pins(statement: Statement): boolean {
  return statement.conditions.some((c) => {
    if (c.ifExists) return false;
    if (c.key === 'ip' && c.operator === 'ip') return c.values.every(narrowRange);
    if (PINNING_KEYS.has(c.key) && FIXED_OPERATORS.has(c.operator)) return c.values.every((v) => !/[*?]/.test(v));
    if (PINNING_KEYS.has(c.key) && c.operator === 'like') return c.values.every((v) => !/[*?]/.test(v));
    return false;
  });
}

/** A principal pattern open to anyone, or to every account (a wildcard in its account part). */
function openPrincipal(pattern: string): boolean {
  return pattern === '*' || /^qcs::cam::uin\/[^:]*\*/.test(pattern);
}

/** Is this Allow statement public: open to anyone (or to every account), with no condition pinning it? */
export function isPublicStatement(statement: Statement): boolean {
  if (statement.effect !== 'allow') return false;
  const open = statement.notPrincipals !== undefined || (statement.principals?.some(openPrincipal) ?? false);
  return open && !pins(statement);
}

/** Is a bucket policy public (any of its Allow statements is)? */
export function isPublicPolicy(policy: Policy | undefined): boolean {
  return policy?.statements.some(isPublicStatement) ?? false;
}

/** The Block Public Access in force on a bucket: each flag set on the bucket or on its owner's account. */
export function effectiveBlock(
  bucket: PublicAccessBlock | undefined,
  account: PublicAccessBlock | undefined,
): PublicAccessBlock | undefined {
  if (!bucket) return account;
  if (!account) return bucket;
  return {
    blockPublicAcls: bucket.blockPublicAcls || account.blockPublicAcls,
    ignorePublicAcls: bucket.ignorePublicAcls || account.ignorePublicAcls,
    blockPublicPolicy: bucket.blockPublicPolicy || account.blockPublicPolicy,
    restrictPublicBuckets: bucket.restrictPublicBuckets || account.restrictPublicBuckets,
  };
}

/**
 * S3 Object Ownership: who owns the objects written into a bucket, and whether ACLs apply at all.
 * - `BucketOwnerEnforced`: ACLs are disabled; the bucket owner owns every object; only policies grant.
 * - `BucketOwnerPreferred`: an object written with the `bucket-owner-full-control` canned ACL is owned
 *   by the bucket owner; otherwise by its writer.
 * - `ObjectWriter`: the writer owns what it writes (COS's behaviour, and S3's before 2023).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
 */
export type ObjectOwnership = 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter';

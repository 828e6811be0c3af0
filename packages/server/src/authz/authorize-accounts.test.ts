import { describe, expect, it } from 'vitest';
import { type Acl, cannedAcl } from './acl.js';
import type { Operation } from './actions.js';
import { type AuthorizeInput, authorize, type Caller } from './authorize.js';
import { parsePolicy } from './policy.js';
import { isPublicPolicy, NO_BLOCK, type ObjectOwnership, type PublicAccessBlock } from './public-access.js';

/** The cross-account and Block Public Access / Object Ownership parts of the decision (issue 16). */
const APPID = '1250000000';
const A = '100000000001';
const B = '200000000002';
const BUCKET = 'photos-1250000000';
const id = (account: string, uin = account) => `qcs::cam::uin/${account}:uin/${uin}`;
const root = (account: string): Caller => ({ id: id(account), accountUin: account, isRoot: true, userPolicies: [] });
const sub = (account: string, uin: string, policies: object[] = []): Caller => ({
  id: id(account, uin),
  accountUin: account,
  isRoot: false,
  userPolicies: policies.map((p) => parsePolicy(JSON.stringify(p), { appId: APPID }, 'identity')),
});
const ANONYMOUS: Caller = { isRoot: false, userPolicies: [] };
const policyOf = (doc: object) => parsePolicy(JSON.stringify(doc), { bucket: BUCKET, appId: APPID }, 'bucket');
const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
const grantTo = (principal: unknown, action = 's3:GetObject') => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: principal, Action: action, Resource: `arn:aws:s3:::${BUCKET}/*` }],
});

function input(
  operation: Operation,
  caller: Caller,
  opts: {
    acl?: Acl;
    policy?: object;
    objectAcl?: Acl;
    objectOwnerId?: string;
    ownership?: ObjectOwnership;
    block?: Partial<PublicAccessBlock>;
  } = {},
): AuthorizeInput {
  return {
    operation,
    caller,
    bucket: {
      name: BUCKET,
      ownerId: id(A),
      acl: opts.acl ?? cannedAcl('private', 'bucket', id(A))!,
      ...(opts.policy ? { policy: policyOf(opts.policy) } : {}),
      ...(opts.ownership ? { ownership: opts.ownership } : {}),
      ...(opts.block ? { publicAccessBlock: { ...NO_BLOCK, ...opts.block } } : {}),
    },
    key: 'k',
    ...(opts.objectAcl ? { objectAcl: opts.objectAcl } : {}),
    ...(opts.objectOwnerId ? { objectOwnerId: opts.objectOwnerId } : {}),
    context: {},
  };
}
const allowed = (i: AuthorizeInput) => authorize(i).allowed;

describe('authorize across accounts', () => {
  it('another account is refused until a grant names it or its user', () => {
    expect(allowed(input('GetObject', root(B)))).toBe(false);
    expect(allowed(input('GetObject', root(B), { policy: grantTo({ AWS: B }) }))).toBe(true);
    expect(
      allowed(
        input('GetObject', sub(B, '200000000009'), { policy: grantTo({ AWS: `arn:aws:iam::${B}:user/200000000009` }) }),
      ),
    ).toBe(true);
  });

  it('a grant to an account reaches its sub-users only when their own policies allow', () => {
    const policy = grantTo({ AWS: `arn:aws:iam::${B}:root` });
    expect(allowed(input('GetObject', sub(B, '200000000009'), { policy }))).toBe(false);
    expect(allowed(input('GetObject', sub(B, '200000000009', [allowAll]), { policy }))).toBe(true);
    const acl = {
      owner: id(A),
      grants: [{ grantee: { type: 'user' as const, id: id(B) }, permission: 'READ' as const }],
    };
    expect(allowed(input('ListObjects', sub(B, '200000000009'), { acl }))).toBe(false);
    expect(allowed(input('ListObjects', sub(B, '200000000009', [allowAll]), { acl }))).toBe(true);
    // A user policy alone never reaches another account's bucket.
    expect(allowed(input('GetObject', sub(B, '200000000009', [allowAll])))).toBe(false);
  });

  it('a deny naming the account binds its sub-users too', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` },
        { Effect: 'Deny', Principal: { AWS: B }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` },
      ],
    };
    expect(allowed(input('GetObject', sub(B, '200000000009', [allowAll]), { policy }))).toBe(false);
    expect(allowed(input('GetObject', ANONYMOUS, { policy }))).toBe(true);
  });

  it('an object B owns with its own ACL is the bucket owner’s to read only through bucket-owner-full-control', () => {
    const privateToB = cannedAcl('private', 'object', id(B))!;
    const shared = cannedAcl('bucket-owner-full-control', 'object', id(B), id(A))!;
    expect(allowed(input('GetObject', root(A), { objectAcl: privateToB, objectOwnerId: id(B) }))).toBe(false);
    expect(allowed(input('GetObject', root(A), { objectAcl: shared, objectOwnerId: id(B) }))).toBe(true);
    // A's sub-user with s3:* reads it through the grant to its account.
    expect(
      allowed(input('GetObject', sub(A, '100000000005', [allowAll]), { objectAcl: shared, objectOwnerId: id(B) })),
    ).toBe(true);
    // Deleting what is in its bucket stays the owner's right; BucketOwnerEnforced makes it all the owner's.
    expect(allowed(input('DeleteObject', root(A), { objectAcl: privateToB, objectOwnerId: id(B) }))).toBe(true);
    expect(
      allowed(
        input('GetObject', root(A), { objectAcl: privateToB, objectOwnerId: id(B), ownership: 'BucketOwnerEnforced' }),
      ),
    ).toBe(true);
    expect(allowed(input('GetObject', root(B), { objectAcl: privateToB, objectOwnerId: id(B) }))).toBe(true);
  });
});

describe('authorize with Block Public Access and Object Ownership', () => {
  const publicRead = cannedAcl('public-read', 'bucket', id(A))!;
  it('BucketOwnerEnforced ignores every ACL', () => {
    expect(allowed(input('ListObjects', ANONYMOUS, { acl: publicRead }))).toBe(true);
    expect(allowed(input('ListObjects', ANONYMOUS, { acl: publicRead, ownership: 'BucketOwnerEnforced' }))).toBe(false);
  });

  it('IgnorePublicAcls drops grants to everyone and to signed-in users, not to named accounts', () => {
    const acl: Acl = {
      ...publicRead,
      grants: [...publicRead.grants, { grantee: { type: 'user', id: id(B) }, permission: 'READ' }],
    };
    expect(allowed(input('ListObjects', ANONYMOUS, { acl, block: { ignorePublicAcls: true } }))).toBe(false);
    expect(allowed(input('ListObjects', root(B), { acl, block: { ignorePublicAcls: true } }))).toBe(true);
  });

  it('RestrictPublicBuckets keeps others out while the policy is public, the owner’s account in', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` },
        { Effect: 'Allow', Principal: { AWS: B }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*` },
      ],
    };
    expect(allowed(input('GetObject', ANONYMOUS, { policy, block: { restrictPublicBuckets: true } }))).toBe(false);
    expect(allowed(input('PutObject', root(B), { policy, block: { restrictPublicBuckets: true } }))).toBe(false);
    expect(allowed(input('PutObject', root(B), { policy }))).toBe(true);
    expect(
      allowed(
        input('GetObject', sub(A, '100000000005', [allowAll]), { policy, block: { restrictPublicBuckets: true } }),
      ),
    ).toBe(true);
    // With a policy that is not public, RestrictPublicBuckets changes nothing.
    expect(
      allowed(
        input('PutObject', root(B), {
          policy: grantTo({ AWS: B }, 's3:PutObject'),
          block: { restrictPublicBuckets: true },
        }),
      ),
    ).toBe(true);
  });
});

describe('isPublicPolicy', () => {
  const stmt = (extra: object) =>
    policyOf({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*`, ...extra }],
    });
  it('follows S3: open principals are public unless a condition pins them to fixed values', () => {
    expect(isPublicPolicy(stmt({ Principal: '*' }))).toBe(true);
    expect(isPublicPolicy(stmt({ Principal: { qcs: ['qcs::cam::anyone:anyone'] } }))).toBe(true);
    expect(isPublicPolicy(stmt({ Principal: { AWS: B } }))).toBe(false);
    expect(
      isPublicPolicy(stmt({ Principal: '*', Condition: { IpAddress: { 'aws:SourceIp': '192.168.0.0/16' } } })),
    ).toBe(false);
    expect(isPublicPolicy(stmt({ Principal: '*', Condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/1' } } }))).toBe(
      true,
    );
    expect(isPublicPolicy(stmt({ Principal: '*', Condition: { StringEquals: { 'aws:SourceAccount': B } } }))).toBe(
      false,
    );
    expect(isPublicPolicy(stmt({ Principal: '*', Condition: { StringLike: { 'aws:SourceArn': 'arn:*' } } }))).toBe(
      true,
    );
    expect(isPublicPolicy(stmt({ Principal: '*', Condition: { StringLike: { 'aws:UserAgent': 'x' } } }))).toBe(true);
    expect(
      isPublicPolicy(
        policyOf({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: `arn:aws:s3:::${BUCKET}/*` }],
        }),
      ),
    ).toBe(false);
  });
});

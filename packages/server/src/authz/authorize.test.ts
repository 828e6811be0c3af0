import { describe, expect, it } from 'vitest';
import { type Acl, cannedAcl } from './acl.js';
import type { Operation } from './actions.js';
import { type AuthorizeInput, authorize, type Caller } from './authorize.js';
import { parsePolicy } from './policy.js';

const APPID = '1250000000';
const A = '100000000001';
const B = '200000000002';
const BUCKET = 'photos-1250000000';
const id = (account: string, uin = account) => `qcs::cam::uin/${account}:uin/${uin}`;

const rootOf = (account: string, extra: Partial<Caller> = {}): Caller => ({
  id: id(account),
  accountUin: account,
  isRoot: true,
  userPolicies: [],
  ...extra,
});
const subUser = (account: string, uin: string, policies: object[] = [], extra: Partial<Caller> = {}): Caller => ({
  id: id(account, uin),
  accountUin: account,
  isRoot: false,
  userPolicies: policies.map((p) => identity(p)),
  ...extra,
});
const ANONYMOUS: Caller = { isRoot: false, userPolicies: [] };

const identity = (doc: object) => parsePolicy(JSON.stringify(doc), { appId: APPID }, 'identity');
const bucketPolicy = (doc: object) => parsePolicy(JSON.stringify(doc), { bucket: BUCKET, appId: APPID }, 'bucket');

const allow = (actions: string | string[], resource: string | string[] = '*') => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }],
});
const deny = (actions: string | string[], resource: string | string[] = '*') => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: actions, Resource: resource }],
});

/** A bucket of account A with the given ACL (private by default) and bucket policy. */
function input(
  operation: Operation,
  caller: Caller,
  opts: { acl?: Acl; policy?: object; objectAcl?: Acl; key?: string | null; owner?: string } = {},
): AuthorizeInput {
  const owner = opts.owner ?? id(A);
  return {
    operation,
    caller,
    bucket: {
      name: BUCKET,
      ownerId: owner,
      acl: opts.acl ?? cannedAcl('private', 'bucket', owner)!,
      ...(opts.policy ? { policy: bucketPolicy(opts.policy) } : {}),
    },
    ...(opts.key === null ? {} : { key: opts.key ?? 'a/b.jpg' }),
    ...(opts.objectAcl ? { objectAcl: opts.objectAcl } : {}),
    context: {},
  };
}
const decide = (...args: Parameters<typeof input>) => authorize(input(...args));
const allowed = (...args: Parameters<typeof input>) => decide(...args).allowed;

describe('authorize: explicit deny wins over every allow', () => {
  it('a bucket policy deny stops even the bucket owner', () => {
    const policy = {
      Statement: [
        {
          Effect: 'Deny',
          Principal: { qcs: [id(A)] },
          Action: 'name/cos:GetObject',
          Resource: `arn:aws:s3:::${BUCKET}/*`,
        },
      ],
    };
    expect(decide('GetObject', rootOf(A), { policy })).toMatchObject({
      allowed: false,
      reason: 'explicit deny in the bucket policy',
    });
    expect(allowed('PutObject', rootOf(A), { policy })).toBe(true);
  });

  it('a bucket policy deny beats a public ACL', () => {
    const policy = {
      Statement: [
        { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/private/*` },
      ],
    };
    const acl = cannedAcl('public-read', 'bucket', id(A))!;
    expect(allowed('GetObject', ANONYMOUS, { acl, policy, key: 'public/x' })).toBe(true);
    expect(allowed('GetObject', ANONYMOUS, { acl, policy, key: 'private/x' })).toBe(false);
  });

  it('a user policy deny beats a bucket policy allow and another user policy allow', () => {
    const policy = {
      Statement: [
        {
          Effect: 'Allow',
          Principal: { qcs: [id(A, '7')] },
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${BUCKET}/*`,
        },
      ],
    };
    expect(allowed('GetObject', subUser(A, '7'), { policy })).toBe(true);
    expect(decide('GetObject', subUser(A, '7', [deny('s3:GetObject')]), { policy })).toMatchObject({
      allowed: false,
      reason: 'explicit deny in a user policy',
    });
    expect(allowed('GetObject', subUser(A, '7', [allow('s3:*'), deny('name/cos:GetObject')]))).toBe(false);
    expect(allowed('PutObject', subUser(A, '7', [allow('s3:*'), deny('name/cos:GetObject')]))).toBe(true);
  });

  it('a deny inside the same document beats its allow', () => {
    const doc = {
      Statement: [
        { Effect: 'Allow', Action: 's3:*', Resource: '*' },
        { Effect: 'Deny', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${BUCKET}/keep/*` },
      ],
    };
    expect(allowed('DeleteObject', subUser(A, '7', [doc]), { key: 'tmp/x' })).toBe(true);
    expect(allowed('DeleteObject', subUser(A, '7', [doc]), { key: 'keep/x' })).toBe(false);
  });
});

describe('authorize: a session policy only narrows', () => {
  it('the root’s STS credentials may do only what the session policy allows, on the root’s own bucket', () => {
    const caller = rootOf(A, { sessionPolicy: identity(allow('s3:GetObject', `arn:aws:s3:::${BUCKET}/*`)) });
    expect(allowed('GetObject', caller)).toBe(true);
    expect(decide('PutObject', caller)).toMatchObject({
      allowed: false,
      reason: 'the session policy does not allow it',
    });
    expect(allowed('DeleteBucket', caller, { key: null })).toBe(false);
    expect(allowed('GetObject', caller, { key: null })).toBe(false);
  });

  it('the session cannot grant what the user does not have: the result is the intersection', () => {
    const user = [allow(['s3:GetObject', 's3:PutObject'])];
    const session = identity(allow(['s3:GetObject', 's3:DeleteObject', 's3:PutBucketAcl']));
    const caller = subUser(A, '7', user, { sessionPolicy: session });
    expect(allowed('GetObject', caller)).toBe(true);
    expect(allowed('PutObject', caller)).toBe(false);
    expect(allowed('DeleteObject', caller)).toBe(false);
    expect(allowed('PutBucketAcl', caller, { key: null })).toBe(false);
    expect(allowed('GetObject', subUser(A, '7', [], { sessionPolicy: session }))).toBe(false);
  });

  it('a session deny is a deny; a session does not reach through a public ACL', () => {
    const session = identity({
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/secret/*` },
      ],
    });
    expect(decide('GetObject', rootOf(A, { sessionPolicy: session }), { key: 'secret/x' })).toMatchObject({
      allowed: false,
      reason: 'explicit deny in the session policy',
    });
    const acl = cannedAcl('public-read', 'bucket', id(A))!;
    const writeOnly = rootOf(B, { sessionPolicy: identity(allow('s3:PutObject')) });
    expect(allowed('GetObject', rootOf(B), { acl })).toBe(true);
    expect(allowed('GetObject', writeOnly, { acl })).toBe(false);
  });
});

describe('authorize: ACLs, with the object default inheriting the bucket ACL', () => {
  const publicRead = cannedAcl('public-read', 'bucket', id(A))!;
  const objectPrivate = cannedAcl('private', 'object', id(A))!;
  const objectPublic = cannedAcl('public-read', 'object', id(A))!;

  it('an object left at "default" follows the bucket ACL', () => {
    expect(cannedAcl('default', 'object', id(A))).toBeUndefined();
    expect(decide('GetObject', ANONYMOUS, { acl: publicRead })).toMatchObject({ allowed: true, reason: 'bucket ACL' });
    expect(allowed('GetObject', ANONYMOUS)).toBe(false);
  });

  it('an object’s own ACL replaces the bucket’s for reads, both ways', () => {
    expect(allowed('GetObject', ANONYMOUS, { acl: publicRead, objectAcl: objectPrivate })).toBe(false);
    expect(decide('GetObject', ANONYMOUS, { objectAcl: objectPublic })).toMatchObject({
      allowed: true,
      reason: 'object ACL',
    });
    expect(allowed('HeadObject', ANONYMOUS, { objectAcl: objectPublic })).toBe(true);
  });

  it('writes and deletes are decided by the bucket ACL whatever the object’s says', () => {
    const objectRw = cannedAcl('public-read-write', 'object', id(A))!;
    expect(allowed('PutObject', ANONYMOUS, { objectAcl: objectRw })).toBe(false);
    expect(allowed('DeleteObject', ANONYMOUS, { objectAcl: objectRw })).toBe(false);
    const bucketRw = cannedAcl('public-read-write', 'bucket', id(A))!;
    expect(allowed('PutObject', ANONYMOUS, { acl: bucketRw, objectAcl: objectPrivate })).toBe(true);
    expect(allowed('ListObjects', ANONYMOUS, { acl: bucketRw, key: null })).toBe(true);
    expect(allowed('PutBucketAcl', ANONYMOUS, { acl: bucketRw, key: null })).toBe(false);
  });

  it('authenticated-read lets any signed caller read, of any account, and nobody anonymous', () => {
    const acl = cannedAcl('authenticated-read', 'bucket', id(A))!;
    expect(allowed('GetObject', rootOf(B), { acl })).toBe(true);
    expect(allowed('GetObject', subUser(B, '9'), { acl })).toBe(true);
    expect(allowed('GetObject', ANONYMOUS, { acl })).toBe(false);
  });

  it('an object’s owner may read and write its ACL; owner-only operations ignore ACLs', () => {
    const writer = subUser(A, '7');
    const objectAcl = cannedAcl('private', 'object', id(A, '7'), id(A))!;
    expect(decide('GetObjectAcl', writer, { objectAcl })).toMatchObject({ allowed: true });
    expect(allowed('PutObjectAcl', writer, { objectAcl })).toBe(true);
    expect(allowed('GetObject', subUser(A, '8'), { objectAcl })).toBe(false);
    const everything: Acl = {
      owner: id(A),
      grants: [{ grantee: { type: 'group', group: 'AllUsers' }, permission: 'FULL_CONTROL' }],
    };
    expect(allowed('PutBucketPolicy', ANONYMOUS, { acl: everything, key: null })).toBe(false);
    expect(allowed('DeleteBucket', ANONYMOUS, { acl: everything, key: null })).toBe(false);
  });
});

describe('authorize: principals of other accounts', () => {
  it('another account’s root is not an owner', () => {
    expect(decide('GetObject', rootOf(B))).toMatchObject({ allowed: false, reason: 'no policy or ACL allows it' });
    expect(allowed('GetObject', rootOf(A))).toBe(true);
  });

  it('a bucket policy may grant another account’s root (COS and AWS principal forms) or one of its users', () => {
    for (const principal of [{ qcs: [id(B)] }, { AWS: [`arn:aws:iam::${B}:root`] }, { AWS: B }]) {
      const policy = {
        Statement: [
          { Effect: 'Allow', Principal: principal, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` },
        ],
      };
      expect(allowed('GetObject', rootOf(B), { policy }), JSON.stringify(principal)).toBe(true);
      expect(allowed('PutObject', rootOf(B), { policy })).toBe(false);
    }
    const forUser = {
      Statement: [
        {
          Effect: 'Allow',
          Principal: { qcs: [id(B, '9')] },
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${BUCKET}/*`,
        },
      ],
    };
    expect(allowed('GetObject', subUser(B, '9'), { policy: forUser })).toBe(true);
    expect(allowed('GetObject', subUser(B, '8'), { policy: forUser })).toBe(false);
    expect(allowed('GetObject', rootOf(B), { policy: forUser })).toBe(false);
  });

  it('a user policy grants nothing on another account’s bucket', () => {
    const everything = subUser(B, '9', [allow('*')]);
    expect(allowed('GetObject', everything)).toBe(false);
    expect(allowed('GetObject', everything, { owner: id(B) })).toBe(true);
    expect(allowed('GetObject', subUser(A, '9', [allow('*')]))).toBe(true);
  });

  it('an ACL grant to another account’s user applies to that user only', () => {
    const acl: Acl = {
      owner: id(A),
      grants: [
        { grantee: { type: 'user', id: id(A) }, permission: 'FULL_CONTROL' },
        { grantee: { type: 'user', id: id(B, '9') }, permission: 'READ' },
      ],
    };
    expect(allowed('GetObject', subUser(B, '9'), { acl })).toBe(true);
    expect(allowed('PutObject', subUser(B, '9'), { acl })).toBe(false);
    expect(allowed('GetObject', rootOf(B), { acl })).toBe(false);
  });

  it('their STS credentials stay inside their session policy even where the bucket policy allows more', () => {
    const policy = {
      Statement: [
        { Effect: 'Allow', Principal: { qcs: [id(B)] }, Action: 's3:*', Resource: `arn:aws:s3:::${BUCKET}/*` },
      ],
    };
    const sts = rootOf(B, { sessionPolicy: identity(allow('s3:GetObject')) });
    expect(allowed('GetObject', sts, { policy })).toBe(true);
    expect(allowed('PutObject', sts, { policy })).toBe(false);
  });
});

describe('authorize: service operations', () => {
  it('ListBuckets: the root, or a sub-user whose policy allows it', () => {
    const service = (caller: Caller) => authorize({ operation: 'ListBuckets', caller, context: {} }).allowed;
    expect(service(rootOf(A))).toBe(true);
    expect(service(subUser(A, '7'))).toBe(false);
    expect(service(subUser(A, '7', [allow('name/cos:GetService')]))).toBe(true);
    expect(service(ANONYMOUS)).toBe(false);
  });
});

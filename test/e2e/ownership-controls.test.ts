/**
 * S3 Object Ownership (?ownershipControls, x-amz-object-ownership on CreateBucket) with
 * @aws-sdk/client-s3: BucketOwnerEnforced disables ACLs, BucketOwnerPreferred gives the bucket owner
 * objects written with bucket-owner-full-control, ObjectWriter leaves them to their writer.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
 */
import {
  CreateBucketCommand,
  DeleteBucketOwnershipControlsCommand,
  GetBucketAclCommand,
  GetBucketOwnershipControlsCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, type TestAccount } from './helpers/accounts.js';
import { sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let s3: S3Client;
let other: TestAccount;
let n = 0;
beforeAll(async () => {
  t = await startTestServer();
  s3 = t.s3();
  other = await createAccount(t, 'writer');
});
afterAll(async () => {
  await t?.close();
});

const name = () => `own${process.pid}x${n++}-${t.appId}`;

async function expectCode(call: Promise<unknown>, status: number, code: string): Promise<void> {
  const err = await sdkError(call);
  expect({ status: err.status, code: err.code }).toEqual({ status, code });
}

/** Lets the other account write (and read) the bucket's objects by policy. */
async function letOtherWrite(Bucket: string): Promise<void> {
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: other.uin },
            Action: ['s3:PutObject', 's3:PutObjectAcl', 's3:GetObject'],
            Resource: `arn:aws:s3:::${Bucket}/*`,
          },
        ],
      }),
    }),
  );
}

describe('?ownershipControls', () => {
  it('is 404 OwnershipControlsNotFoundError until set; PUT, GET and DELETE round-trip', async () => {
    const Bucket = name();
    await s3.send(new CreateBucketCommand({ Bucket }));
    await expectCode(s3.send(new GetBucketOwnershipControlsCommand({ Bucket })), 404, 'OwnershipControlsNotFoundError');
    await s3.send(
      new PutBucketOwnershipControlsCommand({
        Bucket,
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      }),
    );
    const got = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }));
    expect(got.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerPreferred' }]);
    await s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket }));
    await expectCode(s3.send(new GetBucketOwnershipControlsCommand({ Bucket })), 404, 'OwnershipControlsNotFoundError');
    await expectCode(
      s3.send(
        new PutBucketOwnershipControlsCommand({
          Bucket,
          OwnershipControls: { Rules: [{ ObjectOwnership: 'Nobody' as 'ObjectWriter' }] },
        }),
      ),
      400,
      'MalformedXML',
    );
  });

  it('x-amz-object-ownership on CreateBucket sets it; a bad value is InvalidArgument', async () => {
    const Bucket = name();
    await s3.send(new CreateBucketCommand({ Bucket, ObjectOwnership: 'BucketOwnerEnforced' }));
    const got = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }));
    expect(got.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    await expectCode(
      s3.send(new CreateBucketCommand({ Bucket: name(), ObjectOwnership: 'Nobody' as 'ObjectWriter' })),
      400,
      'InvalidArgument',
    );
  });

  it('BucketOwnerEnforced with an ACL granting others is InvalidBucketAclWithObjectOwnership', async () => {
    await expectCode(
      s3.send(new CreateBucketCommand({ Bucket: name(), ObjectOwnership: 'BucketOwnerEnforced', ACL: 'public-read' })),
      400,
      'InvalidBucketAclWithObjectOwnership',
    );
    const Bucket = name();
    await s3.send(new CreateBucketCommand({ Bucket, ACL: 'public-read' }));
    await expectCode(
      s3.send(
        new PutBucketOwnershipControlsCommand({
          Bucket,
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        }),
      ),
      400,
      'InvalidBucketAclWithObjectOwnership',
    );
    await s3.send(new PutBucketAclCommand({ Bucket, ACL: 'private' }));
    await s3.send(
      new PutBucketOwnershipControlsCommand({
        Bucket,
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    );
  });
});

describe('BucketOwnerEnforced: ACLs disabled', () => {
  it('refuses ACLs other than bucket-owner-full-control with AccessControlListNotSupported', async () => {
    const Bucket = name();
    await s3.send(new CreateBucketCommand({ Bucket, ObjectOwnership: 'BucketOwnerEnforced' }));
    const err = await sdkError(s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ACL: 'public-read' })));
    expect({ status: err.status, code: err.code, message: err.message }).toEqual({
      status: 400,
      code: 'AccessControlListNotSupported',
      message: 'The bucket does not allow ACLs',
    });
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k2', Body: 'x', ACL: 'bucket-owner-full-control' }));
    await expectCode(
      s3.send(new PutObjectAclCommand({ Bucket, Key: 'k', ACL: 'public-read' })),
      400,
      'AccessControlListNotSupported',
    );
    await expectCode(
      s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' })),
      400,
      'AccessControlListNotSupported',
    );
    await expectCode(
      s3.send(new PutBucketAclCommand({ Bucket, GrantRead: `id="${other.ownerId}"` })),
      400,
      'AccessControlListNotSupported',
    );
    // Reads of ACLs still work, and show the bucket owner's full control only.
    const acl = await s3.send(new GetBucketAclCommand({ Bucket }));
    expect(acl.Grants?.map((g) => [g.Grantee?.ID, g.Permission])).toEqual([[acl.Owner?.ID, 'FULL_CONTROL']]);
    const objectAcl = await s3.send(new GetObjectAclCommand({ Bucket, Key: 'k' }));
    expect(objectAcl.Grants?.map((g) => g.Permission)).toEqual(['FULL_CONTROL']);
  });

  it('makes the bucket owner own what another account writes, and ignores ACLs when deciding access', async () => {
    const Bucket = name();
    await s3.send(new CreateBucketCommand({ Bucket, ObjectOwnership: 'BucketOwnerEnforced' }));
    await letOtherWrite(Bucket);
    await other.s3.send(new PutObjectCommand({ Bucket, Key: 'theirs', Body: 'written by the other account' }));
    const acl = await s3.send(new GetObjectAclCommand({ Bucket, Key: 'theirs' }));
    expect(acl.Owner?.ID).toBe(`qcs::cam::uin/${t.server.identity.uin}:uin/${t.server.identity.uin}`);
    expect(await (await s3.send(new GetObjectCommand({ Bucket, Key: 'theirs' }))).Body!.transformToString()).toBe(
      'written by the other account',
    );
  });
});

describe('BucketOwnerPreferred and ObjectWriter', () => {
  it('BucketOwnerPreferred: bucket-owner-full-control hands the object to the bucket owner', async () => {
    const Bucket = name();
    await s3.send(new CreateBucketCommand({ Bucket, ObjectOwnership: 'BucketOwnerPreferred' }));
    await letOtherWrite(Bucket);
    await other.s3.send(new PutObjectCommand({ Bucket, Key: 'given', Body: 'x', ACL: 'bucket-owner-full-control' }));
    await other.s3.send(new PutObjectCommand({ Bucket, Key: 'kept', Body: 'y' }));
    const given = await s3.send(new GetObjectAclCommand({ Bucket, Key: 'given' }));
    expect(given.Owner?.ID).not.toBe(other.ownerId);
    const kept = await other.s3.send(new GetObjectAclCommand({ Bucket, Key: 'kept' }));
    expect(kept.Owner?.ID).toBe(other.ownerId);
    // The writer kept it private: the bucket owner cannot read it.
    await expectCode(s3.send(new GetObjectCommand({ Bucket, Key: 'kept' })), 403, 'AccessDenied');
  });

  it('ObjectWriter (and no setting): the writer owns the object even with bucket-owner-full-control', async () => {
    const Bucket = name();
    await s3.send(new CreateBucketCommand({ Bucket, ObjectOwnership: 'ObjectWriter' }));
    await letOtherWrite(Bucket);
    await other.s3.send(new PutObjectCommand({ Bucket, Key: 'o', Body: 'x', ACL: 'bucket-owner-full-control' }));
    const acl = await s3.send(new GetObjectAclCommand({ Bucket, Key: 'o' }));
    expect(acl.Owner?.ID).toBe(other.ownerId);
    expect(await (await s3.send(new GetObjectCommand({ Bucket, Key: 'o' }))).Body!.transformToString()).toBe('x');
  });
});

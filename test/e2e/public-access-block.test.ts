/**
 * Block Public Access (?publicAccessBlock, bucket and account level) and ?policyStatus, with
 * @aws-sdk/client-s3: each of S3's four flags as S3 defines it.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
 */
import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyStatusCommand,
  GetPublicAccessBlockCommand,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, adminOk } from './helpers/access.js';
import { createAccount } from './helpers/accounts.js';
import { settledOnEveryGateway } from './helpers/cluster.js';
import { sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let s3: S3Client;
let n = 0;
beforeAll(async () => {
  t = await startTestServer();
  s3 = t.s3();
});
afterAll(async () => {
  await t?.close();
});

async function newBucket(): Promise<string> {
  const Bucket = `pab${process.pid}x${n++}-${t.appId}`;
  await s3.send(new CreateBucketCommand({ Bucket }));
  return Bucket;
}

const publicRead = (Bucket: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*` }],
  });

async function anonymous(url: string): Promise<number> {
  return (await fetch(url)).status;
}

async function expectDenied(call: Promise<unknown>): Promise<void> {
  const err = await sdkError(call);
  expect({ status: err.status, code: err.code }).toEqual({ status: 403, code: 'AccessDenied' });
}

describe('?publicAccessBlock', () => {
  it('is 404 NoSuchPublicAccessBlockConfiguration until set; PUT, GET and DELETE round-trip', async () => {
    const Bucket = await newBucket();
    const missing = await sdkError(s3.send(new GetPublicAccessBlockCommand({ Bucket })));
    expect({ status: missing.status, code: missing.code }).toEqual({
      status: 404,
      code: 'NoSuchPublicAccessBlockConfiguration',
    });
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
      }),
    );
    const got = await s3.send(new GetPublicAccessBlockCommand({ Bucket }));
    expect(got.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: true,
    });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket }));
    expect((await sdkError(s3.send(new GetPublicAccessBlockCommand({ Bucket })))).status).toBe(404);
  });

  it('refuses a malformed configuration with MalformedXML', async () => {
    const Bucket = await newBucket();
    const res = await fetch(`${t.url}/${Bucket}?publicAccessBlock`, { method: 'PUT' });
    expect(res.status).toBe(403); // unsigned: not the owner
    const err = await sdkError(
      s3.send(
        new PutPublicAccessBlockCommand({
          Bucket,
          PublicAccessBlockConfiguration: { BlockPublicAcls: 'yes' as unknown as boolean },
        }),
      ),
    );
    expect(err.status).toBe(400);
  });

  it('BlockPublicAcls refuses public ACLs on PUT ?acl, PUT Object and PUT Object ?acl, not private ones', async () => {
    const Bucket = await newBucket();
    await s3.send(
      new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true } }),
    );
    await expectDenied(s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' })));
    await expectDenied(
      s3.send(new PutBucketAclCommand({ Bucket, GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' })),
    );
    await expectDenied(s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ACL: 'public-read' })));
    await expectDenied(s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ACL: 'authenticated-read' })));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ACL: 'private' }));
    await expectDenied(s3.send(new PutObjectAclCommand({ Bucket, Key: 'k', ACL: 'public-read-write' })));
    await s3.send(new PutBucketAclCommand({ Bucket, ACL: 'private' }));
    await s3.send(new PutObjectAclCommand({ Bucket, Key: 'k', ACL: 'private' }));
  });

  it('IgnorePublicAcls ignores public ACLs already set, and they work again once it is off', async () => {
    const Bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket, Key: 'pub', Body: 'hello', ACL: 'public-read' }));
    expect(await anonymous(`${t.url}/${Bucket}/pub`)).toBe(200);
    await s3.send(
      new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { IgnorePublicAcls: true } }),
    );
    expect(await anonymous(`${t.url}/${Bucket}/pub`)).toBe(403);
    // Not a write guard: public ACLs can still be put (and are still ignored).
    await s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' }));
    expect(await anonymous(`${t.url}/${Bucket}`)).toBe(403);
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket }));
    expect(await anonymous(`${t.url}/${Bucket}/pub`)).toBe(200);
    expect(await anonymous(`${t.url}/${Bucket}`)).toBe(200);
  });

  it('BlockPublicPolicy refuses public policies, not ones pinned to an account or a network', async () => {
    const Bucket = await newBucket();
    await s3.send(
      new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { BlockPublicPolicy: true } }),
    );
    await expectDenied(s3.send(new PutBucketPolicyCommand({ Bucket, Policy: publicRead(Bucket) })));
    const pinned = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${Bucket}/*`,
          Condition: { IpAddress: { 'aws:SourceIp': '10.1.0.0/16' } },
        },
        {
          Effect: 'Allow',
          Principal: { AWS: ['arn:aws:iam::100000000001:root'] },
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${Bucket}/*`,
        },
      ],
    });
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: pinned }));
    expect((await s3.send(new GetBucketPolicyStatusCommand({ Bucket }))).PolicyStatus?.IsPublic).toBe(false);
  });

  it('RestrictPublicBuckets keeps everyone outside the account out of a bucket whose policy is public', async () => {
    const Bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: 'public doc' }));
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: publicRead(Bucket) }));
    expect(await anonymous(`${t.url}/${Bucket}/doc`)).toBe(200);
    const other = await createAccount(t, `restrict${n}`);
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    await other.s3.send(new GetObjectCommand({ Bucket, Key: 'doc' }));
    await s3.send(
      new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { RestrictPublicBuckets: true } }),
    );
    expect(await anonymous(`${t.url}/${Bucket}/doc`)).toBe(403);
    await expectDenied(other.s3.send(new GetObjectCommand({ Bucket, Key: 'doc' })));
    // The owner's account keeps its access.
    await s3.send(new GetObjectCommand({ Bucket, Key: 'doc' }));
    await s3.send(new DeleteBucketPolicyCommand({ Bucket }));
  });
});

describe('?policyStatus', () => {
  it('is 404 NoSuchBucketPolicy without a policy; IsPublic follows S3’s rules', async () => {
    const Bucket = await newBucket();
    const none = await sdkError(s3.send(new GetBucketPolicyStatusCommand({ Bucket })));
    expect({ status: none.status, code: none.code }).toEqual({ status: 404, code: 'NoSuchBucketPolicy' });
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: publicRead(Bucket) }));
    expect((await s3.send(new GetBucketPolicyStatusCommand({ Bucket }))).PolicyStatus?.IsPublic).toBe(true);
    // A condition that does not pin the caller (a string match on the user agent) leaves it public.
    const loose = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${Bucket}/*`,
          Condition: { StringLike: { 'aws:UserAgent': 'curl*' } },
        },
      ],
    });
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: loose }));
    expect((await s3.send(new GetBucketPolicyStatusCommand({ Bucket }))).PolicyStatus?.IsPublic).toBe(true);
    const wideIp = loose.replace('"StringLike":{"aws:UserAgent":"curl*"}', '"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}');
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: wideIp }));
    expect((await s3.send(new GetBucketPolicyStatusCommand({ Bucket }))).PolicyStatus?.IsPublic).toBe(true);
    const account = loose.replace(
      '"StringLike":{"aws:UserAgent":"curl*"}',
      '"StringEquals":{"aws:SourceAccount":"100000000001"}',
    );
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: account }));
    expect((await s3.send(new GetBucketPolicyStatusCommand({ Bucket }))).PolicyStatus?.IsPublic).toBe(false);
  });
});

describe('account-level Block Public Access (admin API)', () => {
  it('applies to every bucket of the account, including at CreateBucket, and only to that account', async () => {
    expect((await admin(t, 'GET', '/admin/public-access-block')).status).toBe(404);
    await adminOk(t, 204, 'PUT', '/admin/public-access-block', { blockPublicAcls: true, blockPublicPolicy: true });
    // In a cluster the other gateways hear of it by LISTEN/NOTIFY, right after the response.
    await settledOnEveryGateway(async () =>
      expect(await adminOk(t, 200, 'GET', '/admin/public-access-block')).toEqual({
        blockPublicAcls: true,
        ignorePublicAcls: false,
        blockPublicPolicy: true,
        restrictPublicBuckets: false,
      }),
    );
    const Bucket = await newBucket();
    await expectDenied(s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' })));
    await expectDenied(s3.send(new PutBucketPolicyCommand({ Bucket, Policy: publicRead(Bucket) })));
    await expectDenied(s3.send(new CreateBucketCommand({ Bucket: `pabnew${process.pid}`, ACL: 'public-read' })));
    // The bucket's own configuration is still only its own.
    expect((await sdkError(s3.send(new GetPublicAccessBlockCommand({ Bucket })))).status).toBe(404);

    // Another account is not affected; the operator may set it for that account too.
    const other = await createAccount(t, 'pab-other');
    const theirs = other.bucketName('pabo');
    await other.s3.send(new CreateBucketCommand({ Bucket: theirs, ACL: 'public-read' }));
    await adminOk(t, 204, 'PUT', `/admin/accounts/${other.appId}/public-access-block`, { BlockPublicAcls: true });
    await settledOnEveryGateway(async () =>
      expect((await admin(t, 'GET', '/admin/public-access-block', undefined, other.creds)).json).toMatchObject({
        blockPublicAcls: true,
      }),
    );
    await expectDenied(
      other.s3.send(new PutObjectCommand({ Bucket: theirs, Key: 'k', Body: 'x', ACL: 'public-read' })),
    );
    // An account root manages its own account's configuration, not another's.
    expect((await admin(t, 'GET', '/admin/public-access-block', undefined, other.creds)).json).toMatchObject({
      blockPublicAcls: true,
    });
    expect(
      (await admin(t, 'DELETE', `/admin/accounts/${t.appId}/public-access-block`, undefined, other.creds)).status,
    ).toBe(403);
    expect((await admin(t, 'PUT', '/admin/public-access-block', { nonsense: true })).status).toBe(400);

    await adminOk(t, 204, 'DELETE', '/admin/public-access-block');
    await settledOnEveryGateway(() => s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' })));
  });
});

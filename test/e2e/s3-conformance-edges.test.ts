/**
 * Edges where Ceph's public S3 conformance suite (s3-tests) expects what S3 does, checked through
 * @aws-sdk/client-s3, cos-nodejs-sdk-v5 and raw requests: the default ACL of an object written by an
 * S3 client, canned-ACL grant order, bucket-owner-* canned ACLs, grants that name nobody, the bucket
 * owner's root and its own bucket policy, x-amz-expected-bucket-owner, V1's Prefix under
 * encoding-type=url, an empty Complete, and strict POST policy documents.
 */
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketPolicyCommand,
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetObjectAclCommand,
  ListObjectsCommand,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubUser } from './helpers/access.js';
import { formBody, policyDoc, postForm, sigV4SignedFields, xmlText } from './helpers/post-form.js';
import { rawRequest, sdkError } from './helpers/s3.js';
import { startTestServer, TEST_REGION, type TestServer } from './helpers/server.js';

let t: TestServer;
let s3: S3Client;
let rootUin: string;
beforeAll(async () => {
  t = await startTestServer();
  s3 = t.s3();
  const acl = await s3.send(new GetBucketAclCommand({ Bucket: await newBucket('probe') }));
  rootUin = /uin\/(\d+):/.exec(acl.Owner!.ID!)![1]!;
});
afterAll(async () => {
  await t?.close();
});

async function newBucket(prefix: string, ACL?: 'public-read' | 'public-read-write'): Promise<string> {
  const Bucket = t.bucketName(prefix);
  await s3.send(new CreateBucketCommand({ Bucket, ...(ACL ? { ACL } : {}) }));
  return Bucket;
}

const anonymousGet = (Bucket: string, Key: string) =>
  rawRequest(t, { method: 'GET', path: `/${Bucket}/${Key}`, sign: 'none' });

describe('object ACLs', () => {
  it('an S3 client’s write without an ACL is private (S3); a COS client’s inherits the bucket’s (COS `default`)', async () => {
    const Bucket = await newBucket('acl-default', 'public-read');
    await s3.send(new PutObjectCommand({ Bucket, Key: 's3', Body: 'x' }));
    expect((await anonymousGet(Bucket, 's3')).status).toBe(403);
    const acl = await s3.send(new GetObjectAclCommand({ Bucket, Key: 's3' }));
    expect(acl.Grants).toEqual([
      { Grantee: expect.objectContaining({ Type: 'CanonicalUser', ID: acl.Owner?.ID }), Permission: 'FULL_CONTROL' },
    ]);
    await t.cos('path').putObject({ Bucket, Region: TEST_REGION, Key: 'cos', Body: 'x' });
    expect((await anonymousGet(Bucket, 'cos')).status).toBe(200);
    // An explicit ACL still decides.
    await s3.send(new PutObjectCommand({ Bucket, Key: 'public', Body: 'x', ACL: 'public-read' }));
    expect((await anonymousGet(Bucket, 'public')).status).toBe(200);
  });

  it('canned ACLs list group grants first and the owner’s FULL_CONTROL last', async () => {
    const Bucket = await newBucket('acl-order', 'public-read-write');
    const grants = (await s3.send(new GetBucketAclCommand({ Bucket }))).Grants!;
    expect(grants.map((g) => [g.Grantee?.Type, g.Permission])).toEqual([
      ['Group', 'READ'],
      ['Group', 'WRITE'],
      ['CanonicalUser', 'FULL_CONTROL'],
    ]);
  });

  it('bucket-owner-read / bucket-owner-full-control from another user grant the bucket’s owner', async () => {
    const Bucket = await newBucket('acl-bucket-owner', 'public-read-write');
    const writer = await createSubUser(t, 'writer');
    const asWriter = t.s3({
      credentials: { accessKeyId: writer.creds.accessKeyId, secretAccessKey: writer.creds.secretKey },
    });
    for (const [ACL, permission] of [
      ['bucket-owner-read', 'READ'],
      ['bucket-owner-full-control', 'FULL_CONTROL'],
    ] as const) {
      await asWriter.send(new PutObjectCommand({ Bucket, Key: ACL, Body: 'x', ACL }));
      const grants = (await s3.send(new GetObjectAclCommand({ Bucket, Key: ACL }))).Grants!;
      expect(grants.map((g) => [g.Grantee?.ID, g.Permission])).toEqual([
        [writer.ownerId, 'FULL_CONTROL'],
        [`qcs::cam::uin/${rootUin}:uin/${rootUin}`, permission],
      ]);
    }
  });

  it('a grant by e-mail is UnresolvableGrantByEmailAddress; a grant to an id that names nobody is InvalidArgument', async () => {
    const Bucket = await newBucket('acl-grantees');
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
    const owner = (await s3.send(new GetBucketAclCommand({ Bucket }))).Owner!;
    const put = (
      Grantee: { Type: 'CanonicalUser'; ID: string } | { Type: 'AmazonCustomerByEmail'; EmailAddress: string },
    ) =>
      sdkError(
        s3.send(
          new PutBucketAclCommand({
            Bucket,
            AccessControlPolicy: { Owner: owner, Grants: [{ Grantee, Permission: 'READ' }] },
          }),
        ),
      );
    expect(await put({ Type: 'AmazonCustomerByEmail', EmailAddress: 'nobody@example.com' })).toMatchObject({
      status: 400,
      code: 'UnresolvableGrantByEmailAddress',
    });
    expect(await put({ Type: 'CanonicalUser', ID: '_foo' })).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expect(
      await sdkError(s3.send(new PutObjectAclCommand({ Bucket, Key: 'k', GrantRead: 'emailAddress="a@b.c"' }))),
    ).toMatchObject({ status: 400, code: 'UnresolvableGrantByEmailAddress' });
    // Nothing changed.
    expect((await s3.send(new GetBucketAclCommand({ Bucket }))).Grants).toHaveLength(1);
  });
});

describe('the bucket owner and its policy', () => {
  const denyAll = (Bucket: string) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Principal: '*',
          Action: ['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy'],
          Resource: [`arn:aws:s3:::${Bucket}`, `arn:aws:s3:::${Bucket}/*`],
        },
      ],
    });

  it('the owner’s root can still read, replace and delete a policy that denies it (S3)', async () => {
    const Bucket = await newBucket('policy-self');
    const Policy = denyAll(Bucket);
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy }));
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy).toBe(Policy);
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy }));
    await s3.send(new DeleteBucketPolicyCommand({ Bucket }));
    expect(await sdkError(s3.send(new GetBucketPolicyCommand({ Bucket })))).toMatchObject({
      code: 'NoSuchBucketPolicy',
    });
  });

  it('unless the policy was put with x-amz-confirm-remove-self-bucket-access: true', async () => {
    const Bucket = await newBucket('policy-lockout');
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: denyAll(Bucket), ConfirmRemoveSelfBucketAccess: true }));
    expect(await sdkError(s3.send(new GetBucketPolicyCommand({ Bucket })))).toMatchObject({
      status: 403,
      code: 'AccessDenied',
    });
    expect(await sdkError(s3.send(new DeleteBucketPolicyCommand({ Bucket })))).toMatchObject({ status: 403 });
  });

  it('x-amz-expected-bucket-owner: another account is 403 AccessDenied, the owner’s passes', async () => {
    const Bucket = await newBucket('expected-owner');
    const list = (owner: string) =>
      rawRequest(t, { method: 'GET', path: `/${Bucket}`, headers: { 'x-amz-expected-bucket-owner': owner } });
    expect((await list(`${rootUin}foo`)).status).toBe(403);
    expect((await list(rootUin)).status).toBe(200);
    const put = await rawRequest(t, {
      method: 'PUT',
      path: `/${Bucket}/k`,
      body: 'x',
      headers: { 'x-amz-expected-bucket-owner': '123456789012' },
    });
    expect(put.status).toBe(403);
    expect((await s3.send(new ListObjectsCommand({ Bucket }))).Contents).toBeUndefined();
  });
});

describe('requests and documents', () => {
  it('ListObjects V1 with encoding-type=url: S3 clients get Prefix as sent (botocore does not decode it), COS clients encoded', async () => {
    const Bucket = await newBucket('v1-prefix');
    const s3Answer = await rawRequest(t, {
      method: 'GET',
      path: `/${Bucket}`,
      query: 'encoding-type=url&prefix=a%20b',
    });
    expect(xmlText(s3Answer.text, 'Prefix')).toBe('a b');
    const cos = await t.cos('path').getBucket({ Bucket, Region: TEST_REGION, Prefix: 'a b', EncodingType: 'url' });
    expect(cos.Prefix).toBe('a%20b');
  });

  it('CompleteMultipartUpload with an empty body is MalformedXML', async () => {
    const Bucket = await newBucket('empty-complete');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'k' }));
    const res = await rawRequest(t, { method: 'POST', path: `/${Bucket}/k`, query: `uploadId=${UploadId}` });
    expect(res.status).toBe(400);
    expect(xmlText(res.text, 'Code')).toBe('MalformedXML');
  });

  it('POST policies: expiration must be ISO 8601 UTC and a simple condition must have one property (400 InvalidPolicyDocument)', async () => {
    const Bucket = await newBucket('post-policy', 'public-read-write');
    const form = (doc: { expiration: string; conditions: unknown[] }) =>
      postForm(t, Bucket, formBody([['key', 'k'], ...sigV4SignedFields(t, doc)], { content: 'x' }));
    const valid = policyDoc([{ bucket: Bucket }, ['starts-with', '$key', '']]);
    expect((await form(valid)).status).toBe(204);
    for (const doc of [
      { ...valid, expiration: valid.expiration.replace('T', ' ').replace('Z', '+00:00') },
      { ...valid, conditions: [...valid.conditions, {}] },
      { ...valid, conditions: [...valid.conditions, { bucket: Bucket, key: 'k' }] },
    ]) {
      const res = await form(doc);
      expect(res.status, JSON.stringify(doc)).toBe(400);
      expect(xmlText(res.text, 'Code')).toBe('InvalidPolicyDocument');
    }
  });
});

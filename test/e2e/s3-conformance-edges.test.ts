/**
 * Edges where Ceph's public S3 conformance suite (s3-tests) expects what S3 does, checked through
 * @aws-sdk/client-s3, cos-nodejs-sdk-v5 and raw requests: the default ACL of an object written by an
 * S3 client, canned-ACL grant order, bucket-owner-* canned ACLs, grants that name nobody, the bucket
 * owner's root and its own bucket policy, x-amz-expected-bucket-owner, V1's Prefix under
 * encoding-type=url, an empty Complete, and strict POST policy documents.
 */
import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketPolicyCommand,
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetObjectAclCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { checksumBase64, crc32, crc32c } from '@coffer/protocol';
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

  it('bucket-owner-read from the bucket’s owner lists both grants (FULL_CONTROL and READ to the same id)', async () => {
    const Bucket = await newBucket('acl-own-read');
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ACL: 'bucket-owner-read' }));
    const acl = await s3.send(new GetObjectAclCommand({ Bucket, Key: 'k' }));
    expect(acl.Grants?.map((g) => [g.Grantee?.ID, g.Permission])).toEqual([
      [acl.Owner?.ID, 'FULL_CONTROL'],
      [acl.Owner?.ID, 'READ'],
    ]);
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

describe('ListBuckets pages', () => {
  it('S3: max-buckets, continuation-token and prefix; COS: max-keys and marker', async () => {
    const names = ['pg-a-1250000000', 'pg-b-1250000000', 'pg-c-1250000000'];
    for (const Bucket of names) await s3.send(new CreateBucketCommand({ Bucket }));
    const first = await s3.send(new ListBucketsCommand({ MaxBuckets: 2, Prefix: 'pg-' }));
    expect(first.Buckets?.map((b) => b.Name)).toEqual(names.slice(0, 2));
    expect(first.Prefix).toBe('pg-');
    expect(first.ContinuationToken).toBeDefined();
    const second = await s3.send(
      new ListBucketsCommand({ MaxBuckets: 2, Prefix: 'pg-', ContinuationToken: first.ContinuationToken }),
    );
    expect(second.Buckets?.map((b) => b.Name)).toEqual(names.slice(2));
    expect(second.ContinuationToken).toBeUndefined();
    const bad = await rawRequest(t, { method: 'GET', path: '/', query: 'max-buckets=0' });
    expect(bad.status).toBe(400);
    const cos = await rawRequest(t, { method: 'GET', path: '/', query: `max-keys=1&marker=${names[0]}` });
    expect(xmlText(cos.text, 'Name')).toBe(names[1]);
    expect(xmlText(cos.text, 'IsTruncated')).toBe('true');
    expect(xmlText(cos.text, 'NextMarker')).toBe(names[1]);
  });
});

describe('multipart checksum types', () => {
  const MiB = 1024 * 1024;
  const partA = Buffer.alloc(MiB, 'a');
  const partB = Buffer.from('tail of the object');
  const whole = Buffer.concat([partA, partB]);

  async function upload(
    Bucket: string,
    Key: string,
    algorithm: 'CRC32' | 'CRC32C' | 'SHA256',
    type?: 'FULL_OBJECT' | 'COMPOSITE',
  ) {
    const init = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket,
        Key,
        ChecksumAlgorithm: algorithm,
        ...(type ? { ChecksumType: type } : {}),
      }),
    );
    const parts = [];
    for (const [i, Body] of [partA, partB].entries()) {
      const part = await s3.send(
        new UploadPartCommand({
          Bucket,
          Key,
          UploadId: init.UploadId,
          PartNumber: i + 1,
          Body,
          ChecksumAlgorithm: algorithm,
        }),
      );
      parts.push({ PartNumber: i + 1, ETag: part.ETag, [`Checksum${algorithm}`]: part[`Checksum${algorithm}`] });
    }
    return { init, parts };
  }

  it('FULL_OBJECT CRC32 / CRC32C: the checksum of the whole object, combined from the parts', async () => {
    const Bucket = await newBucket('cksum-full');
    for (const [algorithm, value] of [
      ['CRC32', checksumBase64('CRC32', crc32(whole))],
      ['CRC32C', checksumBase64('CRC32C', crc32c(whole))],
    ] as const) {
      const Key = `full-${algorithm}`;
      const { init, parts } = await upload(Bucket, Key, algorithm, 'FULL_OBJECT');
      expect(init.ChecksumType).toBe('FULL_OBJECT');
      const done = await s3.send(
        new CompleteMultipartUploadCommand({ Bucket, Key, UploadId: init.UploadId, MultipartUpload: { Parts: parts } }),
      );
      expect(done[`Checksum${algorithm}`]).toBe(value);
      expect(done.ChecksumType).toBe('FULL_OBJECT');
      const head = await s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
      expect(head[`Checksum${algorithm}`]).toBe(value);
      expect(head.ChecksumType).toBe('FULL_OBJECT');
      const attributes = await s3.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['Checksum'] }));
      expect(attributes.Checksum).toMatchObject({ [`Checksum${algorithm}`]: value, ChecksumType: 'FULL_OBJECT' });
    }
    // A type the algorithm cannot have is refused at initiation.
    expect(
      await sdkError(
        s3.send(
          new CreateMultipartUploadCommand({
            Bucket,
            Key: 'x',
            ChecksumAlgorithm: 'SHA256',
            ChecksumType: 'FULL_OBJECT',
          }),
        ),
      ),
    ).toMatchObject({ status: 400, code: 'InvalidRequest' });
  });

  it('an object-level checksum sent with Complete is verified: BadDigest when it differs, nothing made', async () => {
    const Bucket = await newBucket('cksum-complete');
    const { init, parts } = await upload(Bucket, 'k', 'SHA256');
    expect(init.ChecksumType).toBe('COMPOSITE');
    const complete = (checksum: string) =>
      rawRequest(t, {
        method: 'POST',
        path: `/${Bucket}/k`,
        query: `uploadId=${init.UploadId}`,
        headers: { 'x-amz-checksum-sha256': checksum },
        body: `<CompleteMultipartUpload>${parts
          .map((p) => `<Part><PartNumber>${p.PartNumber}</PartNumber><ETag>${p.ETag}</ETag></Part>`)
          .join('')}</CompleteMultipartUpload>`,
      });
    const bad = await complete('bad');
    expect(bad.status).toBe(400);
    expect(xmlText(bad.text, 'Code')).toBe('BadDigest');
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket, Key: 'k' })))).toMatchObject({ status: 404 });
    const composite = `${createHash('sha256')
      .update(Buffer.concat(parts.map((p) => Buffer.from(p.ChecksumSHA256 as string, 'base64'))))
      .digest('base64')}-2`;
    const good = await complete(composite);
    expect(good.status, good.text).toBe(200);
    expect(xmlText(good.text, 'ChecksumSHA256')).toBe(composite);
    expect(xmlText(good.text, 'ChecksumType')).toBe('COMPOSITE');
  });
});

describe('what awscli users set and read back', () => {
  it('x-amz-website-redirect-location is kept and returned; a bad one is InvalidRedirectLocation', async () => {
    const Bucket = await newBucket('redirect');
    await s3.send(new PutObjectCommand({ Bucket, Key: 'old.html', Body: 'x', WebsiteRedirectLocation: '/new.html' }));
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'old.html' }))).WebsiteRedirectLocation).toBe(
      '/new.html',
    );
    expect(
      await sdkError(
        s3.send(new PutObjectCommand({ Bucket, Key: 'bad', Body: 'x', WebsiteRedirectLocation: 'elsewhere' })),
      ),
    ).toMatchObject({ status: 400, code: 'InvalidRedirectLocation' });
  });

  it('GET ?policyStatus: public while a policy allows everyone without conditions', async () => {
    const Bucket = await newBucket('policy-status');
    expect(await sdkError(s3.send(new GetBucketPolicyStatusCommand({ Bucket })))).toMatchObject({
      status: 404,
      code: 'NoSuchBucketPolicy',
    });
    const allow = (Principal: unknown) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal, Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*` }],
      });
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: allow('*') }));
    expect((await s3.send(new GetBucketPolicyStatusCommand({ Bucket }))).PolicyStatus?.IsPublic).toBe(true);
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: allow({ AWS: [rootUin] }) }));
    expect((await s3.send(new GetBucketPolicyStatusCommand({ Bucket }))).PolicyStatus?.IsPublic).toBe(false);
  });
});

describe('what @aws-sdk/client-s3 apps send', () => {
  it('CompleteMultipartUpload honours If-None-Match: * and If-Match like PutObject (412, 404), changing nothing', async () => {
    const Bucket = await newBucket('complete-conditional');
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'first' }));
    const start = async () => {
      const init = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'k' }));
      const part = await s3.send(
        new UploadPartCommand({ Bucket, Key: 'k', UploadId: init.UploadId, PartNumber: 1, Body: 'second' }),
      );
      return { UploadId: init.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } };
    };
    const upload = await start();
    expect(
      await sdkError(s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'k', ...upload, IfNoneMatch: '*' }))),
    ).toMatchObject({ status: 412, code: 'PreconditionFailed' });
    expect(
      await sdkError(s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'k', ...upload, IfMatch: '"0123"' }))),
    ).toMatchObject({ status: 412, code: 'PreconditionFailed' });
    const kept = await s3.send(new GetObjectCommand({ Bucket, Key: 'k' }));
    expect(await kept.Body?.transformToString()).toBe('first');
    // The upload is still there: completed now with the right ETag.
    const etag = (await s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }))).ETag;
    await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'k', ...upload, IfMatch: etag }));
    const now = await s3.send(new GetObjectCommand({ Bucket, Key: 'k' }));
    expect(await now.Body?.transformToString()).toBe('second');
    const other = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'absent' }));
    const part = await s3.send(
      new UploadPartCommand({ Bucket, Key: 'absent', UploadId: other.UploadId, PartNumber: 1, Body: 'x' }),
    );
    expect(
      await sdkError(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key: 'absent',
            UploadId: other.UploadId,
            MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
            IfMatch: '"0123"',
          }),
        ),
      ),
    ).toMatchObject({ status: 404, code: 'NoSuchKey' });
  });

  it('a CopySource encoded whole (encodeURIComponent of bucket/key) is decoded once', async () => {
    const Bucket = await newBucket('copy-encoded');
    await s3.send(new PutObjectCommand({ Bucket, Key: 'dir/a%20b.txt', Body: 'literal percent' }));
    await s3.send(
      new CopyObjectCommand({ Bucket, Key: 'copy.txt', CopySource: encodeURIComponent(`${Bucket}/dir/a%20b.txt`) }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'copy.txt' }));
    expect(await got.Body?.transformToString()).toBe('literal percent');
  });
});

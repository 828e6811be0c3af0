/**
 * What Tencent's own SDK tests (cos-nodejs-sdk-v5 test/test.js) expect of COS, through that SDK:
 * a canned ACL and grant headers in one request, a CAM policy whose principal sits beside the
 * statements (and `Policy.Statement` when read back), lifecycle dates at any time of day, the SDK's
 * ApplySideEncryptionConfiguration element, content types from key extensions, x-cos-tagging-count,
 * and a query key with ';' in a signed request. S3 clients keep S3's rules where they differ.
 */
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkError } from './helpers/s3.js';
import { TEST_REGION as Region, startTestServer, type TestServer } from './helpers/server.js';

describe('Tencent SDK test-suite expectations', () => {
  let t: TestServer;
  let cos: COS;
  const Bucket = 'cossuite-1250000000';
  beforeAll(async () => {
    t = await startTestServer();
    cos = t.cos('path');
    await cos.putBucket({ Bucket, Region });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('putBucketAcl with ACL and GrantFullControl applies both (an S3 client’s mix is still InvalidRequest)', async () => {
    const grantee = 'qcs::cam::uin/100000000011:uin/100000000011';
    await cos.putBucketAcl({ Bucket, Region, ACL: 'public-read', GrantFullControl: `id="${grantee}"` });
    const acl = await cos.getBucketAcl({ Bucket, Region });
    expect(acl.ACL).toBe('public-read');
    expect(acl.GrantFullControl).toContain(grantee);
    const s3 = await sdkError(
      t
        .s3()
        .send(
          new PutObjectCommand({ Bucket, Key: 'mix', Body: 'x', ACL: 'public-read', GrantRead: `id="${grantee}"` }),
        ),
    );
    expect(s3).toMatchObject({ status: 400, code: 'InvalidRequest' });
  });

  it('putBucketPolicy with the principal beside the statements; getBucketPolicy reads Policy.Statement', async () => {
    const resource = `qcs::cos:${Region}:uid/${t.appId}:${Bucket}/*`;
    await cos.putBucketPolicy({
      Bucket,
      Region,
      Policy: {
        version: '2.0',
        principal: { qcs: ['qcs::cam::uin/100000000011:uin/100000000011'] },
        statement: [{ effect: 'allow', action: ['name/cos:GetObject'], resource: [resource] }],
      },
    });
    const got = await cos.getBucketPolicy({ Bucket, Region });
    const policy = got.Policy as unknown as { Statement: { resource: string[] }[] };
    expect(policy.Statement[0]?.resource[0]).toBe(resource);
    await cos.deleteBucketPolicy({ Bucket, Region });
  });

  it('putBucketLifecycle takes a Transition Date at any time of day and returns it', async () => {
    const Rules = [
      {
        ID: 'tr',
        Status: 'Enabled',
        Filter: { Prefix: 'old/' },
        Transition: { Date: '2018-07-29T16:00:00.000Z', StorageClass: 'STANDARD_IA' },
      },
    ];
    await cos.putBucketLifecycle({ Bucket, Region, Rules });
    const got = await cos.getBucketLifecycle({ Bucket, Region });
    expect(got.Rules[0]).toMatchObject({
      Transition: { Date: '2018-07-29T16:00:00.000Z', StorageClass: 'STANDARD_IA' },
    });
    await cos.deleteBucketLifecycle({ Bucket, Region });
  });

  it('putBucketEncryption as the SDK documents it (ApplySideEncryptionConfiguration)', async () => {
    await cos.putBucketEncryption({
      Bucket,
      Region,
      ServerSideEncryptionConfiguration: { Rule: [{ ApplySideEncryptionConfiguration: { SSEAlgorithm: 'AES256' } }] },
    });
    const put = await cos.putObject({ Bucket, Region, Key: 'enc.bin', Body: 'x' });
    expect(put.headers?.['x-cos-server-side-encryption']).toBe('AES256');
    await cos.deleteBucketEncryption({ Bucket, Region });
  });

  it('a COS write without Content-Type gets one from the key’s extension; an S3 write stays octet-stream', async () => {
    await cos.putObject({ Bucket, Region, Key: '1.zip', Body: '12345' });
    expect((await cos.headObject({ Bucket, Region, Key: '1.zip' })).headers?.['content-type']).toBe('application/zip');
    await cos.putObject({ Bucket, Region, Key: 'notes.TXT', Body: 'x' });
    expect((await cos.headObject({ Bucket, Region, Key: 'notes.TXT' })).headers?.['content-type']).toBe('text/plain');
    await cos.putObject({ Bucket, Region, Key: 'noext', Body: 'x' });
    expect((await cos.headObject({ Bucket, Region, Key: 'noext' })).headers?.['content-type']).toBe(
      'application/octet-stream',
    );
    await cos.putObject({ Bucket, Region, Key: 'typed.zip', Body: 'x', ContentType: 'text/x-mine' });
    expect((await cos.headObject({ Bucket, Region, Key: 'typed.zip' })).headers?.['content-type']).toBe('text/x-mine');
    await t.s3().send(new PutObjectCommand({ Bucket, Key: '2.zip', Body: '12345' }));
    expect((await t.s3().send(new HeadObjectCommand({ Bucket, Key: '2.zip' }))).ContentType).toBe(
      'application/octet-stream',
    );
  });

  it('x-cos-tagging-count on HEAD, beside x-amz-tagging-count', async () => {
    await cos.putObject({ Bucket, Region, Key: 'tagged', Body: 'x', Headers: { 'x-cos-tagging': 'k1=v1&k2=v2' } });
    const head = await cos.headObject({ Bucket, Region, Key: 'tagged' });
    expect(head.headers?.['x-cos-tagging-count']).toBe('2');
    expect(head.headers?.['x-amz-tagging-count']).toBe('2');
  });

  it('a signed request with a query key containing ";" (alone, or with others)', async () => {
    await cos.putObject({ Bucket, Region, Key: 'q.txt', Body: 'query' });
    for (const Query of [{ 'k;': 'v' }, { 'k;': 'v', z: '1' }, { a: 'b;c' }]) {
      const got = await cos.getObject({ Bucket, Region, Key: 'q.txt', Query });
      expect(String(got.Body), JSON.stringify(Query)).toBe('query');
    }
    const url = cos.getObjectUrl({ Bucket, Region, Key: 'q.txt', Query: { 'k;': 'v' } }, () => {});
    expect((await fetch(url)).status).toBe(200);
  });

  it('the whole authorization as one `sign` query parameter (COS.getAuthorization output)', async () => {
    await cos.putObject({ Bucket, Region, Key: 'signed.txt', Body: 'by sign' });
    const COSClass = (await import('cos-nodejs-sdk-v5')).default;
    const auth = COSClass.getAuthorization({
      SecretId: t.secretId,
      SecretKey: t.secretKey,
      Method: 'get',
      Key: 'signed.txt',
      Expires: 300,
    });
    const url = `${t.url}/${Bucket}/signed.txt?sign=${encodeURIComponent(auth)}`;
    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('by sign');
    // A tampered one is refused.
    const bad = await fetch(
      `${t.url}/${Bucket}/signed.txt?sign=${encodeURIComponent(auth.replace(/q-signature=\w/, 'q-signature=z'))}`,
    );
    expect(bad.status).toBe(403);
  });
});

/**
 * Two accounts on one deployment, driven with Tencent's cos-nodejs-sdk-v5: account B is refused
 * account A's buckets, objects, ACLs, policies and multipart uploads until A grants them with a COS
 * ACL grant (`id="qcs::cam::uin/<B>:uin/<B>"`) or a CAM-form bucket policy naming B's uin; then the
 * granted operations work (issue 16).
 */
import type COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, type TestAccount } from './helpers/accounts.js';
import { copySource, cosError, REGION } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('accounts: isolation between two accounts (cos-nodejs-sdk-v5)', () => {
  let t: TestServer;
  let a: COS;
  let b: TestAccount;
  let Bucket: string;
  let bucketB: string;
  let uploadId: string;

  beforeAll(async () => {
    t = await startTestServer();
    a = t.cos();
    b = await createAccount(t, 'cos-team-b');
    Bucket = `cosiso${process.pid}-${t.appId}`;
    bucketB = b.bucketName('cosisob');
    await a.putBucket({ Bucket, Region: REGION });
    await a.putObject({ Bucket, Region: REGION, Key: 'k', Body: 'A data' });
    uploadId = (await a.multipartInit({ Bucket, Region: REGION, Key: 'mp' })).UploadId;
    await b.cos.putBucket({ Bucket: bucketB, Region: REGION });
  });
  afterAll(async () => {
    await t?.close();
  });

  const denied = async (call: Promise<unknown>) => {
    const err = await cosError(call);
    expect(err.statusCode).toBe(403);
    // HEAD answers carry no body: the SDK reports the status as the code.
    expect(['AccessDenied', '403']).toContain(err.code);
  };

  it('getService lists only the caller’s account’s buckets', async () => {
    const names = (await b.cos.getService({})).Buckets.map((x) => x.Name);
    expect(names).toEqual([bucketB]);
    expect((await a.getService({})).Buckets.map((x) => x.Name)).not.toContain(bucketB);
  });

  it('refuses B every bucket, object, ACL, policy and multipart operation on A’s bucket', async () => {
    const cos = b.cos;
    const at = { Bucket, Region: REGION };
    await denied(cos.headBucket(at));
    await denied(cos.getBucket(at));
    await denied(cos.getBucketAcl(at));
    await denied(cos.putBucketAcl({ ...at, ACL: 'public-read' }));
    await denied(cos.getBucketPolicy(at));
    await denied(
      cos.putBucketPolicy({
        ...at,
        Policy: {
          version: '2.0',
          statement: [
            {
              effect: 'allow',
              principal: { qcs: ['qcs::cam::anyone:anyone'] },
              action: ['name/cos:GetObject'],
              resource: [`qcs::cos:${REGION}:uid/${t.appId}:${Bucket}/*`],
            },
          ],
        },
      }),
    );
    await denied(cos.deleteBucketPolicy(at));
    await denied(cos.getBucketVersioning(at));
    await denied(cos.deleteBucket(at));
    await denied(cos.getObject({ ...at, Key: 'k' }));
    await denied(cos.headObject({ ...at, Key: 'k' }));
    await denied(cos.putObject({ ...at, Key: 'k', Body: 'overwritten' }));
    await denied(cos.deleteObject({ ...at, Key: 'k' }));
    await denied(cos.getObjectAcl({ ...at, Key: 'k' }));
    await denied(cos.putObjectAcl({ ...at, Key: 'k', ACL: 'public-read' }));
    await denied(
      cos.putObjectCopy({
        Bucket: bucketB,
        Region: REGION,
        Key: 'stolen',
        CopySource: copySource(Bucket, 'k'),
      }),
    );
    await denied(cos.multipartInit({ ...at, Key: 'mp2' }));
    await denied(cos.multipartUpload({ ...at, Key: 'mp', UploadId: uploadId, PartNumber: 1, Body: 'x' }));
    await denied(cos.multipartListPart({ ...at, Key: 'mp', UploadId: uploadId }));
    await denied(cos.multipartList(at));
    await denied(cos.multipartAbort({ ...at, Key: 'mp', UploadId: uploadId }));
    const still = await a.getObject({ ...at, Key: 'k' });
    expect(still.Body.toString()).toBe('A data');
  });

  it('a COS ACL grant to B’s account lets B list and read; a CAM policy naming B lets it write', async () => {
    const at = { Bucket, Region: REGION };
    const grantee = `id="qcs::cam::uin/${b.uin}:uin/${b.uin}"`;
    await a.putBucketAcl({ ...at, GrantRead: grantee });
    const listed = await b.cos.getBucket(at);
    expect(listed.Contents.map((o) => o.Key)).toEqual(['k']);
    // COS objects written without an ACL have the "default" ACL: the bucket's grant reaches them.
    expect((await b.cos.getObject({ ...at, Key: 'k' })).Body.toString()).toBe('A data');
    await denied(b.cos.putObject({ ...at, Key: 'new', Body: 'x' }));

    await a.putBucketPolicy({
      ...at,
      Policy: {
        version: '2.0',
        statement: [
          {
            effect: 'allow',
            principal: { qcs: [`qcs::cam::uin/${b.uin}:uin/${b.uin}`] },
            action: [
              'name/cos:PutObject',
              'name/cos:InitiateMultipartUpload',
              'name/cos:UploadPart',
              'name/cos:CompleteMultipartUpload',
            ],
            resource: [`qcs::cos:${REGION}:uid/${t.appId}:${Bucket}/*`],
          },
        ],
      },
    });
    await b.cos.putObject({ ...at, Key: 'from-b', Body: 'B wrote' });
    const up = await b.cos.multipartInit({ ...at, Key: 'mp-b' });
    const part = await b.cos.multipartUpload({
      ...at,
      Key: 'mp-b',
      UploadId: up.UploadId,
      PartNumber: 1,
      Body: 'part',
    });
    await b.cos.multipartComplete({
      ...at,
      Key: 'mp-b',
      UploadId: up.UploadId,
      Parts: [{ PartNumber: 1, ETag: part.ETag }],
    });
    expect((await a.getObject({ ...at, Key: 'mp-b' })).Body.toString()).toBe('part');
    // Granted read and write, not the bucket's configuration or its deletion.
    await denied(b.cos.getBucketPolicy(at));
    await denied(b.cos.deleteBucket(at));

    await a.deleteBucketPolicy(at);
    await a.putBucketAcl({ ...at, ACL: 'private' });
    await denied(b.cos.getBucket(at));
    await denied(b.cos.putObject({ ...at, Key: 'late', Body: 'x' }));
  });
});

/**
 * SSE-KMS (S3 `aws:kms`, COS `cos/kms`) against Coffer's local key registry, through
 * @aws-sdk/client-s3, cos-nodejs-sdk-v5 and the admin API (/-/admin/kms/keys: create, list,
 * describe, disable/enable, rotate): writes naming a key (id or ARN) and an encryption context, the
 * default key when none is named, bucket default encryption with a KMS key, multipart and ranges,
 * a disabled key refusing reads and writes with KMS.DisabledException (HEAD still answers), rotation
 * keeping older objects readable, and a data directory holding no plaintext.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settledOnEveryGateway } from './helpers/cluster.js';
import { MiB, md5Hex } from './helpers/multipart.js';
import { rawRequest, sdkError } from './helpers/s3.js';
import { readAll, startTestServer, TEST_REGION, type TestServer } from './helpers/server.js';
import { createKmsKey, filesContaining, kmsAdmin, MARKER, plaintext } from './helpers/sse.js';

describe('SSE-KMS with the local key registry', () => {
  let t: TestServer;
  let s3: S3Client;
  let Bucket: string;
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    Bucket = t.bucketName('kms');
    await s3.send(new CreateBucketCommand({ Bucket }));
  });
  afterAll(async () => {
    await t?.close();
  });

  async function get(Key: string, Range?: string): Promise<Buffer> {
    const res = await s3.send(new GetObjectCommand({ Bucket, Key, ...(Range ? { Range } : {}) }));
    return readAll(res.Body as AsyncIterable<Uint8Array>);
  }

  it('the admin API creates, lists, describes (by id or ARN), disables, enables and rotates keys; root only', async () => {
    const key = await createKmsKey(t, 'orders');
    expect(key.arn).toBe(`arn:aws:kms:${TEST_REGION}:${t.appId}:key/${key.keyId}`);
    const listed = (await kmsAdmin(t, 'GET')).json.keys as { keyId: string; enabled: boolean }[];
    expect(listed.find((k) => k.keyId === key.keyId)).toMatchObject({ enabled: true, description: 'orders' });
    expect((await kmsAdmin(t, 'GET', `/${encodeURIComponent(key.arn)}`)).json).toMatchObject({ keyId: key.keyId });
    expect((await kmsAdmin(t, 'POST', `/${key.keyId}/disable`)).json).toMatchObject({ enabled: false });
    expect((await kmsAdmin(t, 'POST', `/${key.keyId}/enable`)).json).toMatchObject({ enabled: true });
    expect((await kmsAdmin(t, 'POST', `/${key.keyId}/rotate`)).json).toMatchObject({ currentVersion: 2, versions: 2 });
    expect((await kmsAdmin(t, 'GET', '/no-such-key')).status).toBe(400);
    const anonymous = await rawRequest(t, { method: 'GET', path: '/-/admin/kms/keys', sign: 'none' });
    expect(anonymous.status).toBe(403);
  });

  it('PUT aws:kms with a key id or ARN and an encryption context; HEAD and GET answer the key; ranges read', async () => {
    const key = await createKmsKey(t);
    const context = Buffer.from(JSON.stringify({ department: 'billing' })).toString('base64');
    const data = plaintext(2 * MiB + 77);
    for (const [Key, SSEKMSKeyId] of [
      ['by-id', key.keyId],
      ['by-arn', key.arn],
    ] as const) {
      const put = await s3.send(
        new PutObjectCommand({
          Bucket,
          Key,
          Body: data,
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId,
          SSEKMSEncryptionContext: context,
        }),
      );
      expect(put).toMatchObject({
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: key.arn,
        SSEKMSEncryptionContext: context,
      });
      const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
      expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.arn });
      expect(md5Hex(await get(Key))).toBe(md5Hex(data));
      expect((await get(Key, 'bytes=1048570-1048600')).equals(data.subarray(1048570, 1048601))).toBe(true);
    }
    // Without a key id: the default key (aws/s3), created on first use.
    const plain = await s3.send(
      new PutObjectCommand({ Bucket, Key: 'default', Body: 'x', ServerSideEncryption: 'aws:kms' }),
    );
    expect(plain.SSEKMSKeyId).toMatch(/^arn:aws:kms:.*:key\/00000000-0000-4000-8000-00000000c0ff$/);
    expect((await get('default')).toString()).toBe('x');
  });

  it('refused: an unknown key (KMS.NotFoundException), a context that is not base64 JSON, a key id with AES256', async () => {
    expect(
      await sdkError(
        s3.send(
          new PutObjectCommand({
            Bucket,
            Key: 'nokey',
            Body: 'x',
            ServerSideEncryption: 'aws:kms',
            SSEKMSKeyId: 'nope',
          }),
        ),
      ),
    ).toMatchObject({ status: 400, code: 'KMS.NotFoundException' });
    const bad = await rawRequest(t, {
      method: 'PUT',
      path: `/${Bucket}/badctx`,
      body: 'x',
      headers: { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-context': 'bm90IGpzb24=' },
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('<Code>InvalidArgument</Code>');
    for (const Key of ['nokey', 'badctx']) {
      expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket, Key })))).toMatchObject({ status: 404 });
    }
  });

  it('a disabled key: GET, copy and new writes refused with KMS.DisabledException, HEAD answers; enabled again, all read', async () => {
    const key = await createKmsKey(t);
    const data = plaintext(100 * 1024);
    await s3.send(
      new PutObjectCommand({ Bucket, Key: 'dis', Body: data, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.keyId }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'dis-small',
        Body: 'tiny',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: key.keyId,
      }),
    );
    await kmsAdmin(t, 'POST', `/${key.keyId}/disable`);
    const disabled = { status: 400, code: 'KMS.DisabledException' };
    // In a cluster the other gateways hear of it by LISTEN/NOTIFY, right after the response.
    await settledOnEveryGateway(async () =>
      expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'dis' })))).toMatchObject(disabled),
    );
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'dis-small' })))).toMatchObject(disabled);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'dis' }))).SSEKMSKeyId).toBe(key.arn);
    expect(
      await sdkError(s3.send(new CopyObjectCommand({ Bucket, Key: 'dis-copy', CopySource: `${Bucket}/dis` }))),
    ).toMatchObject(disabled);
    expect(
      await sdkError(
        s3.send(
          new PutObjectCommand({
            Bucket,
            Key: 'dis-new',
            Body: 'x',
            ServerSideEncryption: 'aws:kms',
            SSEKMSKeyId: key.keyId,
          }),
        ),
      ),
    ).toMatchObject(disabled);
    await kmsAdmin(t, 'POST', `/${key.keyId}/enable`);
    await settledOnEveryGateway(async () => expect((await get('dis')).equals(data)).toBe(true));
    expect((await get('dis-small')).toString()).toBe('tiny');
  });

  it('rotation: objects sealed under the old material stay readable, new writes use the new one', async () => {
    const key = await createKmsKey(t);
    await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'rot-old',
        Body: 'before',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: key.keyId,
      }),
    );
    await kmsAdmin(t, 'POST', `/${key.keyId}/rotate`);
    await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'rot-new',
        Body: 'after',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: key.keyId,
      }),
    );
    expect((await get('rot-old')).toString()).toBe('before');
    expect((await get('rot-new')).toString()).toBe('after');
  });

  it('bucket default encryption with a KMS key: writes without headers use it; GET ?encryption returns it', async () => {
    const key = await createKmsKey(t);
    const b = t.bucketName('kms-default');
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    expect(
      await sdkError(
        s3.send(
          new PutBucketEncryptionCommand({
            Bucket: b,
            ServerSideEncryptionConfiguration: {
              Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'missing' } }],
            },
          }),
        ),
      ),
    ).toMatchObject({ status: 400, code: 'KMS.NotFoundException' });
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: b,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.arn } }],
        },
      }),
    );
    const config = await s3.send(new GetBucketEncryptionCommand({ Bucket: b }));
    expect(config.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: key.arn,
    });
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: plaintext(50_000) }));
    expect(put).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.arn });
    // Multipart into it: Initiate takes the default too.
    const init = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp' }));
    expect(init).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.arn });
    const part1 = plaintext(MiB + 1);
    const p1 = await s3.send(
      new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId: init.UploadId, PartNumber: 1, Body: part1 }),
    );
    const p2 = await s3.send(
      new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId: init.UploadId, PartNumber: 2, Body: 'end' }),
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: b,
        Key: 'mp',
        UploadId: init.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.ETag },
          ],
        },
      }),
    );
    expect(done).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.arn });
    const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp', Range: `bytes=${MiB - 2}-` }));
    expect(
      (await readAll(got.Body as AsyncIterable<Uint8Array>)).equals(
        Buffer.concat([part1, Buffer.from('end')]).subarray(MiB - 2),
      ),
    ).toBe(true);
  });

  it('COS: cos/kms through cos-nodejs-sdk-v5, with x-cos-server-side-encryption-cos-kms-key-id', async () => {
    const key = await createKmsKey(t);
    const cos = t.cos();
    const put = await cos.putObject({
      Bucket,
      Region: TEST_REGION,
      Key: 'cos-kms',
      Body: 'cos kms bytes',
      ServerSideEncryption: 'cos/kms',
      Headers: { 'x-cos-server-side-encryption-cos-kms-key-id': key.keyId },
    } as never);
    expect(put.headers['x-cos-server-side-encryption']).toBe('cos/kms');
    expect(put.headers['x-cos-server-side-encryption-cos-kms-key-id']).toBe(key.keyId);
    const head = await cos.headObject({ Bucket, Region: TEST_REGION, Key: 'cos-kms' });
    expect(head.headers['x-cos-server-side-encryption']).toBe('cos/kms');
    const got = await cos.getObject({ Bucket, Region: TEST_REGION, Key: 'cos-kms' });
    expect(got.Body.toString()).toBe('cos kms bytes');
  });

  it('the data directory holds no plaintext of any KMS object', async () => {
    const needles = [MARKER, Buffer.from('cos kms bytes'), Buffer.from('before'), Buffer.from('tiny')];
    expect(await filesContaining(t.dataDir, needles)).toEqual([]);
  });
});

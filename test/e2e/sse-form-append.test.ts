/**
 * SSE-C and SSE-KMS where the body does not come from PUT Object: POST Object form fields
 * (@aws-sdk/s3-presigned-post's createPresignedPost, and hand-built COS and SigV4 forms, the policy
 * naming every field as S3 requires) and COS APPEND Object (cos-nodejs-sdk-v5's appendObject) with
 * cos/kms, the bucket's default KMS encryption and SSE-C: reads through @aws-sdk/client-s3, and a
 * data directory holding neither plaintext nor a customer key.
 */
import { GetObjectCommand, HeadObjectCommand, PutBucketEncryptionCommand, type S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settledOnEveryGateway } from './helpers/cluster.js';
import { REGION } from './helpers/cos.js';
import {
  cosSignedFields,
  type Fields,
  formBody,
  policyDoc,
  postForm,
  sigV4SignedFields,
  xmlText,
} from './helpers/post-form.js';
import { sdkError } from './helpers/s3.js';
import { readAll, startTestServer, type TestServer } from './helpers/server.js';
import {
  createKmsKey,
  customerHeaders,
  customerKey,
  filesContaining,
  keyForms,
  kmsAdmin,
  MARKER,
  plaintext,
} from './helpers/sse.js';

let t: TestServer;
let s3: S3Client;
let Bucket: string;

beforeAll(async () => {
  t = await startTestServer();
  s3 = t.s3();
  Bucket = t.bucketName('sseform');
  await t.cos().putBucket({ Bucket, Region: REGION });
});
afterAll(async () => {
  await t?.close();
});

async function get(Key: string, extra: Record<string, string> = {}): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket, Key, ...extra }));
  return readAll(res.Body as AsyncIterable<Uint8Array>);
}

describe('POST Object with encryption fields', () => {
  it('createPresignedPost with aws:kms, a key id and a context: stored under the key, read back', async () => {
    const key = await createKmsKey(t, 'forms');
    const context = Buffer.from(JSON.stringify({ app: 'upload-form' })).toString('base64');
    const { fields } = await createPresignedPost(s3, {
      Bucket,
      Key: 'kms/by-form.bin',
      Fields: {
        'x-amz-server-side-encryption': 'aws:kms',
        'x-amz-server-side-encryption-aws-kms-key-id': key.keyId,
        'x-amz-server-side-encryption-context': context,
      },
      Conditions: [['content-length-range', 0, 10 * 1024 * 1024]],
    });
    const data = plaintext(300_000);
    const res = await postForm(t, Bucket, formBody(Object.entries(fields), { filename: 'a.bin', content: data }));
    expect(res.status, res.text).toBe(204);
    expect(res.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(res.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(key.arn);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'kms/by-form.bin' }));
    expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.arn });
    expect((await get('kms/by-form.bin')).equals(data)).toBe(true);
  });

  it('createPresignedPost with SSE-C fields: GET needs the key (400 without, 403 with another)', async () => {
    const k = customerKey();
    const { fields } = await createPresignedPost(s3, {
      Bucket,
      Key: 'ssec/by-form.bin',
      Fields: customerHeaders(k),
    });
    const data = plaintext(70_000);
    const res = await postForm(t, Bucket, formBody(Object.entries(fields), { filename: 'c.bin', content: data }));
    expect(res.status, res.text).toBe(204);
    expect(res.headers['x-amz-server-side-encryption-customer-algorithm']).toBe('AES256');
    expect(res.headers['x-amz-server-side-encryption-customer-key-md5']).toBe(k.md5);
    const ssec = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: k.base64, SSECustomerKeyMD5: k.md5 };
    expect((await get('ssec/by-form.bin', ssec)).equals(data)).toBe(true);
    expect(await sdkError(get('ssec/by-form.bin'))).toMatchObject({ status: 400, code: 'InvalidRequest' });
    const other = customerKey();
    expect(
      await sdkError(
        get('ssec/by-form.bin', {
          SSECustomerAlgorithm: 'AES256',
          SSECustomerKey: other.base64,
          SSECustomerKeyMD5: other.md5,
        }),
      ),
    ).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(await filesContaining(t.dataDir, [MARKER, ...keyForms(k)])).toEqual([]);
  });

  it('a SigV4 form: an encryption field the policy does not name is "Extra input fields"; a wrong key MD5 is 400', async () => {
    const k = customerKey();
    const ssecFields = Object.entries(customerHeaders(k)) as Fields;
    // The policy names the key but not the SSE-C fields: refused, nothing stored.
    let res = await postForm(
      t,
      Bucket,
      formBody(
        [['key', 'ssec/extra.bin'], ...ssecFields, ...sigV4SignedFields(t, policyDoc([{ key: 'ssec/extra.bin' }]))],
        {
          content: 'x',
        },
      ),
    );
    expect(res.status, res.text).toBe(403);
    expect(xmlText(res.text, 'Message')).toMatch(
      /^Invalid according to Policy: Extra input fields: x-amz-server-side-encryption-customer-algorithm/,
    );
    // Named, but with an MD5 that is not the key's.
    const badMd5: Fields = ssecFields.map(([n, v]) => [n, n.endsWith('MD5') ? customerKey().md5 : v]);
    res = await postForm(
      t,
      Bucket,
      formBody(
        [
          ['key', 'ssec/extra.bin'],
          ...badMd5,
          ...sigV4SignedFields(t, policyDoc([{ key: 'ssec/extra.bin' }, ...badMd5.map(([n, v]) => ({ [n]: v }))])),
        ],
        { content: 'x' },
      ),
    );
    expect(res.status, res.text).toBe(400);
    expect(xmlText(res.text, 'Code')).toBe('InvalidArgument');
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket, Key: 'ssec/extra.bin' })))).toMatchObject({
      status: 404,
    });
  });

  it('a COS-signed form with x-cos-server-side-encryption: cos/kms and a key id', async () => {
    const key = await createKmsKey(t, 'cos-form');
    const fields: Fields = [
      ['key', 'kms/cos-form.txt'],
      ['x-cos-server-side-encryption', 'cos/kms'],
      ['x-cos-server-side-encryption-cos-kms-key-id', key.keyId],
    ];
    const res = await postForm(
      t,
      Bucket,
      formBody([...fields, ...cosSignedFields(t, policyDoc([{ key: 'kms/cos-form.txt' }]))], {
        content: 'cos form body',
      }),
    );
    expect(res.status, res.text).toBe(204);
    expect(res.headers['x-cos-server-side-encryption']).toBe('cos/kms');
    expect(res.headers['x-cos-server-side-encryption-cos-kms-key-id']).toBe(key.keyId);
    const got = await t.cos().getObject({ Bucket, Region: REGION, Key: 'kms/cos-form.txt' });
    expect((got.Body as Buffer).toString()).toBe('cos form body');
    expect(got.headers?.['x-cos-server-side-encryption']).toBe('cos/kms');
  });
});

describe('APPEND Object with KMS and SSE-C', () => {
  it('cos/kms with a key id: every segment sealed under the key, read as one; a disabled key refuses the next append', async () => {
    const cos = t.cos();
    const key = await createKmsKey(t, 'append');
    const Key = 'append/kms.log';
    const a = plaintext(40_000);
    const b = plaintext(123_457);
    const first = await cos.appendObject({
      Bucket,
      Region: REGION,
      Key,
      Position: 0,
      Body: a,
      Headers: { 'x-cos-server-side-encryption': 'cos/kms', 'x-cos-server-side-encryption-cos-kms-key-id': key.keyId },
    });
    expect(first.statusCode).toBe(200);
    expect(first.headers?.['x-cos-server-side-encryption']).toBe('cos/kms');
    // Later appends name no encryption: they keep the object's.
    const second = await cos.appendObject({ Bucket, Region: REGION, Key, Position: a.length, Body: b });
    expect(second.headers?.['x-cos-next-append-position']).toBe(String(a.length + b.length));
    expect(second.headers?.['x-cos-server-side-encryption-cos-kms-key-id']).toBe(key.keyId);
    const whole = Buffer.concat([a, b]);
    expect((await get(Key)).equals(whole)).toBe(true);
    const ranged = await get(Key, { Range: `bytes=${a.length - 10}-${a.length + 9}` } as Record<string, string>);
    expect(ranged.equals(whole.subarray(a.length - 10, a.length + 10))).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.arn });
    expect(await filesContaining(t.dataDir, [MARKER])).toEqual([]);

    await kmsAdmin(t, 'POST', `/${key.keyId}/disable`);
    // In a cluster the other gateways hear of it by LISTEN/NOTIFY, right after the response.
    await settledOnEveryGateway(async () =>
      expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key })))).toMatchObject({
        status: 400,
        code: 'KMS.DisabledException',
      }),
    );
    const refused = await cos.appendObject({ Bucket, Region: REGION, Key, Position: whole.length, Body: 'more' }).then(
      () => undefined,
      (err: { statusCode?: number; code?: string }) => err,
    );
    expect(refused).toMatchObject({ statusCode: 400, code: 'KMS.DisabledException' });
    await kmsAdmin(t, 'POST', `/${key.keyId}/enable`);
    await settledOnEveryGateway(async () => expect((await get(Key)).equals(whole)).toBe(true));
    await cos.appendObject({ Bucket, Region: REGION, Key, Position: whole.length, Body: 'more' });
    expect((await get(Key)).equals(Buffer.concat([whole, Buffer.from('more')]))).toBe(true);
  });

  it("the bucket's default KMS encryption applies to the first append", async () => {
    const cos = t.cos();
    const b2 = t.bucketName('sseappdef');
    await cos.putBucket({ Bucket: b2, Region: REGION });
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: b2,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
        },
      }),
    );
    await cos.appendObject({ Bucket: b2, Region: REGION, Key: 'd.log', Position: 0, Body: plaintext(5000) });
    await cos.appendObject({ Bucket: b2, Region: REGION, Key: 'd.log', Position: 5000, Body: plaintext(5000) });
    const res = await s3.send(new GetObjectCommand({ Bucket: b2, Key: 'd.log' }));
    expect(res.ServerSideEncryption).toBe('aws:kms');
    expect(
      (await readAll(res.Body as AsyncIterable<Uint8Array>)).equals(Buffer.concat([plaintext(5000), plaintext(5000)])),
    ).toBe(true);
  });

  it('SSE-C: each append brings the key (400 without it, 403 with another)', async () => {
    const cos = t.cos();
    const k = customerKey();
    const Key = 'append/ssec.log';
    await cos.appendObject({
      Bucket,
      Region: REGION,
      Key,
      Position: 0,
      Body: 'one,',
      Headers: customerHeaders(k, { cos: true }),
    });
    const without = await cos.appendObject({ Bucket, Region: REGION, Key, Position: 4, Body: 'two,' }).then(
      () => undefined,
      (err: { statusCode?: number; code?: string }) => err,
    );
    expect(without).toMatchObject({ statusCode: 400, code: 'InvalidRequest' });
    const wrong = await cos
      .appendObject({
        Bucket,
        Region: REGION,
        Key,
        Position: 4,
        Body: 'two,',
        Headers: customerHeaders(customerKey(), { cos: true }),
      })
      .then(
        () => undefined,
        (err: { statusCode?: number; code?: string }) => err,
      );
    expect(wrong).toMatchObject({ statusCode: 403, code: 'AccessDenied' });
    const ok = await cos.appendObject({
      Bucket,
      Region: REGION,
      Key,
      Position: 4,
      Body: 'two',
      Headers: customerHeaders(k, { cos: true }),
    });
    expect(ok.headers?.['x-cos-server-side-encryption-customer-key-md5']).toBe(k.md5);
    const ssec = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: k.base64, SSECustomerKeyMD5: k.md5 };
    expect((await get(Key, ssec)).toString()).toBe('one,two');
    expect(await filesContaining(t.dataDir, keyForms(k))).toEqual([]);
  });
});

/**
 * SSE-C (server-side encryption with customer-provided keys) through @aws-sdk/client-s3 and raw
 * requests in both header families: PUT, GET, HEAD, ranges, copies (source and destination keys),
 * Initiate / UploadPart / UploadPartCopy / Complete, and every error S3 gives for a missing, wrong or
 * malformed key (400, a wrong key 403, never 500). Afterwards the whole data directory is scanned:
 * no plaintext and no form of any customer key is stored anywhere.
 * S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiB, md5Hex } from './helpers/multipart.js';
import { rawRequest, sdkError } from './helpers/s3.js';
import { readAll, startTestServer, type TestServer } from './helpers/server.js';
import {
  type CustomerKey,
  customerHeaders,
  customerKey,
  filesContaining,
  keyForms,
  MARKER,
  plaintext,
} from './helpers/sse.js';

/** The SDK's SSE-C parameters for `key` (it base64s nothing itself when given base64 and the MD5). */
function ssec(key: CustomerKey) {
  return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.base64, SSECustomerKeyMD5: key.md5 };
}
function copySsec(key: CustomerKey) {
  return {
    CopySourceSSECustomerAlgorithm: 'AES256',
    CopySourceSSECustomerKey: key.base64,
    CopySourceSSECustomerKeyMD5: key.md5,
  };
}

describe('SSE-C', () => {
  let t: TestServer;
  let s3: S3Client;
  let Bucket: string;
  const keys: CustomerKey[] = [];
  const key = () => {
    const k = customerKey();
    keys.push(k);
    return k;
  };
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    Bucket = t.bucketName('ssec');
    await s3.send(new CreateBucketCommand({ Bucket }));
  });
  afterAll(async () => {
    await t?.close();
  });

  async function get(Key: string, k: CustomerKey | undefined, Range?: string): Promise<Buffer> {
    const res = await s3.send(
      new GetObjectCommand({ Bucket, Key, ...(k ? ssec(k) : {}), ...(Range ? { Range } : {}) }),
    );
    return readAll(res.Body as AsyncIterable<Uint8Array>);
  }

  it('PUT, HEAD and GET with the key (big and inline bodies), ranges across AES blocks, the headers echoed', async () => {
    const k = key();
    for (const [Key, size] of [
      ['big', 3 * MiB + 5],
      ['small', 1000],
    ] as const) {
      const data = plaintext(size);
      const put = await s3.send(new PutObjectCommand({ Bucket, Key, Body: data, ...ssec(k) }));
      expect(put.SSECustomerAlgorithm).toBe('AES256');
      expect(put.SSECustomerKeyMD5).toBe(k.md5);
      expect(put.ServerSideEncryption).toBeUndefined();
      expect(put.ETag).toBe(`"${md5Hex(data)}"`);
      const head = await s3.send(new HeadObjectCommand({ Bucket, Key, ...ssec(k) }));
      expect(head).toMatchObject({ SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: k.md5, ContentLength: size });
      expect((await get(Key, k)).equals(data)).toBe(true);
      for (const range of ['bytes=7-20', 'bytes=15-16', 'bytes=-3', `bytes=${size - 100}-`]) {
        const m = /^bytes=(\d*)-(\d*)$/.exec(range)!;
        const start = m[1] === '' ? size - Number(m[2]) : Number(m[1]);
        const end = m[1] === '' || m[2] === '' ? size : Number(m[2]) + 1;
        expect((await get(Key, k, range)).equals(data.subarray(start, end)), range).toBe(true);
      }
    }
    const big = plaintext(3 * MiB + 5);
    expect((await get('big', k, 'bytes=1000001-2000017')).equals(big.subarray(1000001, 2000018))).toBe(true);
  });

  it('a missing key is 400, a wrong key 403, a key for an unencrypted object 400 — on GET and HEAD', async () => {
    const k = key();
    await s3.send(new PutObjectCommand({ Bucket, Key: 'locked', Body: 'sse-c-secret', ...ssec(k) }));
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'locked' })))).toMatchObject({
      status: 400,
      code: 'InvalidRequest',
    });
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket, Key: 'locked' })))).toMatchObject({ status: 400 });
    const other = customerKey();
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'locked', ...ssec(other) })))).toMatchObject({
      status: 403,
      code: 'AccessDenied',
    });
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket, Key: 'locked', ...ssec(other) })))).toMatchObject({
      status: 403,
    });
    await s3.send(new PutObjectCommand({ Bucket, Key: 'clear', Body: 'clear' }));
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'clear', ...ssec(k) })))).toMatchObject({
      status: 400,
      code: 'InvalidRequest',
    });
    // GetObjectAttributes asks for the key as HEAD does.
    const attributes = (headers: Record<string, string>) =>
      rawRequest(t, {
        method: 'GET',
        path: `/${Bucket}/locked`,
        query: 'attributes',
        headers: { 'x-amz-object-attributes': 'ETag,ObjectSize', ...headers },
      });
    expect((await attributes({})).status).toBe(400);
    expect((await attributes(customerHeaders(other))).status).toBe(403);
    expect((await attributes(customerHeaders(k))).status).toBe(200);
    // x-amz-server-side-encryption on a read stays 400, with or without the object's key.
    const res = await rawRequest(t, {
      method: 'GET',
      path: `/${Bucket}/locked`,
      headers: { ...customerHeaders(k), 'x-amz-server-side-encryption': 'AES256' },
    });
    expect(res.status).toBe(400);
  });

  it('malformed key headers: each refused with S3 code and status, nothing stored', async () => {
    const k = key();
    const cases: [Record<string, string>, string][] = [
      [
        {
          'x-amz-server-side-encryption-customer-key': k.base64,
          'x-amz-server-side-encryption-customer-key-MD5': k.md5,
        },
        'InvalidArgument',
      ],
      [
        { ...customerHeaders(k), 'x-amz-server-side-encryption-customer-algorithm': 'AES128' },
        'InvalidEncryptionAlgorithmError',
      ],
      [
        {
          'x-amz-server-side-encryption-customer-algorithm': 'AES256',
          'x-amz-server-side-encryption-customer-key-MD5': k.md5,
        },
        'InvalidArgument',
      ],
      [
        { ...customerHeaders(k), 'x-amz-server-side-encryption-customer-key': Buffer.alloc(16, 1).toString('base64') },
        'InvalidArgument',
      ],
      [{ ...customerHeaders(k), 'x-amz-server-side-encryption-customer-key': 'not base64 !!' }, 'InvalidArgument'],
      [
        {
          'x-amz-server-side-encryption-customer-algorithm': 'AES256',
          'x-amz-server-side-encryption-customer-key': k.base64,
        },
        'InvalidArgument',
      ],
      [
        { ...customerHeaders(k), 'x-amz-server-side-encryption-customer-key-MD5': customerKey().md5 },
        'InvalidArgument',
      ],
      [{ ...customerHeaders(k), 'x-amz-server-side-encryption': 'AES256' }, 'InvalidArgument'],
      [{ ...customerHeaders(k), 'x-amz-server-side-encryption': 'aws:kms' }, 'InvalidArgument'],
    ];
    for (const [headers, code] of cases) {
      const res = await rawRequest(t, { method: 'PUT', path: `/${Bucket}/malformed`, body: 'x', headers });
      expect(res.status, JSON.stringify(headers)).toBe(400);
      expect(res.text).toContain(`<Code>${code}</Code>`);
      expect(res.text).not.toContain(k.base64);
    }
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket, Key: 'malformed' })))).toMatchObject({ status: 404 });
  });

  it('the x-cos- header family works the same (COS clients)', async () => {
    const k = key();
    const put = await rawRequest(t, {
      method: 'PUT',
      path: `/${Bucket}/cos-family`,
      body: 'cos bytes',
      headers: customerHeaders(k, { cos: true }),
    });
    expect(put.status).toBe(200);
    expect(put.headers['x-cos-server-side-encryption-customer-algorithm']).toBe('AES256');
    expect(put.headers['x-cos-server-side-encryption-customer-key-md5']).toBe(k.md5);
    const got = await rawRequest(t, {
      method: 'GET',
      path: `/${Bucket}/cos-family`,
      headers: customerHeaders(k, { cos: true }),
    });
    expect(got.text).toBe('cos bytes');
    expect((await get('cos-family', k)).toString()).toBe('cos bytes');
  });

  it('copy: the source key (x-amz-copy-source-…) and a new destination key; onto itself to change the key', async () => {
    const k1 = key();
    const k2 = key();
    const data = plaintext(200 * 1024);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'src', Body: data, ...ssec(k1) }));
    // Without the source key: 400; with a wrong one: 403.
    expect(
      await sdkError(s3.send(new CopyObjectCommand({ Bucket, Key: 'dst', CopySource: `${Bucket}/src` }))),
    ).toMatchObject({ status: 400, code: 'InvalidRequest' });
    expect(
      await sdkError(
        s3.send(new CopyObjectCommand({ Bucket, Key: 'dst', CopySource: `${Bucket}/src`, ...copySsec(k2) })),
      ),
    ).toMatchObject({ status: 403, code: 'AccessDenied' });
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket, Key: 'dst', CopySource: `${Bucket}/src`, ...copySsec(k1), ...ssec(k2) }),
    );
    expect(copied).toMatchObject({ SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: k2.md5 });
    expect((await get('dst', k2)).equals(data)).toBe(true);
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'dst', ...ssec(k1) })))).toMatchObject({
      status: 403,
    });
    // Key rotation in place: copy onto itself with a new key.
    await s3.send(
      new CopyObjectCommand({ Bucket, Key: 'src', CopySource: `${Bucket}/src`, ...copySsec(k1), ...ssec(k2) }),
    );
    expect((await get('src', k2)).equals(data)).toBe(true);
  });

  it('multipart: Initiate, UploadPart, UploadPartCopy and Complete with the key; parts without it or with another refused', async () => {
    const k = key();
    const srcKey = key();
    const part1 = plaintext(5 * MiB);
    const source = plaintext(2 * MiB + 3);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'mp-src', Body: source, ...ssec(srcKey) }));
    const init = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp', ...ssec(k) }));
    expect(init).toMatchObject({ SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: k.md5 });
    const UploadId = init.UploadId!;
    expect(
      await sdkError(s3.send(new UploadPartCommand({ Bucket, Key: 'mp', UploadId, PartNumber: 1, Body: part1 }))),
    ).toMatchObject({ status: 400, code: 'InvalidRequest' });
    expect(
      await sdkError(
        s3.send(new UploadPartCommand({ Bucket, Key: 'mp', UploadId, PartNumber: 1, Body: part1, ...ssec(srcKey) })),
      ),
    ).toMatchObject({ status: 400, code: 'InvalidRequest' });
    const p1 = await s3.send(
      new UploadPartCommand({ Bucket, Key: 'mp', UploadId, PartNumber: 1, Body: part1, ...ssec(k) }),
    );
    expect(p1.SSECustomerKeyMD5).toBe(k.md5);
    const p2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket,
        Key: 'mp',
        UploadId,
        PartNumber: 2,
        CopySource: `${Bucket}/mp-src`,
        CopySourceRange: 'bytes=1-1048577',
        ...copySsec(srcKey),
        ...ssec(k),
      }),
    );
    expect(p2.SSECustomerKeyMD5).toBe(k.md5);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'mp',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.CopyPartResult!.ETag },
          ],
        },
        ...ssec(k),
      }),
    );
    expect(done.ETag).toMatch(/-2"$/);
    const expected = Buffer.concat([part1, source.subarray(1, 1048578)]);
    expect(md5Hex(await get('mp', k))).toBe(md5Hex(expected));
    const cross = 5 * MiB - 10;
    expect((await get('mp', k, `bytes=${cross}-${cross + 30}`)).equals(expected.subarray(cross, cross + 31))).toBe(
      true,
    );
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'mp' })))).toMatchObject({ status: 400 });
  });

  it('the data directory holds no plaintext and no form of any customer key', async () => {
    expect(keys.length).toBeGreaterThan(5);
    // 'clear' was stored unencrypted on purpose: its plaintext ("clear") is not a needle.
    for (const [what, needles] of [
      ['plaintext', [MARKER, Buffer.from('sse-c-secret'), Buffer.from('cos bytes')]],
      ...keys.map((k, i) => [`key ${i}`, keyForms(k)] as const),
    ] as const) {
      expect(await filesContaining(t.dataDir, [...needles]), what).toEqual([]);
    }
  });
});

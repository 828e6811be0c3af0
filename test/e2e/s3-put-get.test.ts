import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AWKWARD_KEYS,
  encodeKeyPath,
  errorOf,
  md5Base64,
  md5Hex,
  rawRequest,
  recordWire,
  sdkError,
} from './helpers/s3.js';
import { readAll, startTestServer, type TestServer } from './helpers/server.js';

/** CRC-64/XZ check value: "123456789" → 0x995DC9BBDF1939FA, printed unsigned decimal as COS does. */
const CRC64_CHECK_INPUT = '123456789';
const CRC64_CHECK_DECIMAL = '11051210869376104954';
/** CRC32 (IEEE) of "123456789" is 0xCBF43926, base64 of its big-endian bytes. */
const CRC32_CHECK_BASE64 = Buffer.from('cbf43926', 'hex').toString('base64');

describe('S3 PUT/GET/HEAD Object (@aws-sdk/client-s3)', () => {
  let t: TestServer;
  let s3: S3Client;
  let wire: ReturnType<typeof recordWire>;
  let bucket: string;
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    wire = recordWire(s3);
    bucket = t.bucketName('putget');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await t.close();
  });

  async function getBytes(key: string): Promise<Buffer> {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await got.Body!.transformToByteArray());
  }

  it('stores a buffered body with every content header, metadata and storage class, and returns them', async () => {
    const body = Buffer.from('<h1>hello, coffer</h1>');
    const expires = new Date('2031-01-02T03:04:05Z');
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'docs/page.html',
        Body: body,
        ContentType: 'text/html; charset=utf-8',
        CacheControl: 'max-age=3600, public',
        ContentDisposition: 'attachment; filename="page.html"',
        ContentEncoding: 'identity',
        ContentLanguage: 'en-GB',
        Expires: expires,
        Metadata: { author: 'Ada Lovelace', 'x-empty-ish': '-' },
        StorageClass: 'STANDARD_IA',
      }),
    );
    const putWire = wire.at(-1)!;
    // The SDK's default integrity protection: a signed CRC32 header on every PUT.
    expect(putWire.headers['x-amz-sdk-checksum-algorithm']).toBe('CRC32');
    expect(putWire.headers['x-amz-checksum-crc32']).toBe(put.ChecksumCRC32);
    expect(put.ETag).toBe(`"${md5Hex(body)}"`);
    expect(putWire.responseHeaders['x-cos-hash-crc64ecma']).toMatch(/^\d+$/);
    expect(putWire.responseHeaders['x-cos-request-id']).toBe(put.$metadata.requestId);
    expect(putWire.responseHeaders['x-amz-request-id']).toBe(put.$metadata.requestId);

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'docs/page.html' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(got).toMatchObject({
      ETag: `"${md5Hex(body)}"`,
      ContentLength: body.length,
      ContentType: 'text/html; charset=utf-8',
      CacheControl: 'max-age=3600, public',
      ContentDisposition: 'attachment; filename="page.html"',
      ContentEncoding: 'identity',
      ContentLanguage: 'en-GB',
      Metadata: { author: 'Ada Lovelace', 'x-empty-ish': '-' },
      StorageClass: 'STANDARD_IA',
      AcceptRanges: 'bytes',
    });
    expect(got.ExpiresString).toBe(expires.toUTCString());
    expect(Math.abs(got.LastModified!.getTime() - Date.now())).toBeLessThan(5000);
    const getWire = wire.at(-1)!;
    expect(getWire.responseHeaders['x-cos-storage-class']).toBe('STANDARD_IA');
    expect(getWire.responseHeaders['x-cos-meta-author']).toBe('Ada Lovelace');
    expect(getWire.responseHeaders['x-cos-hash-crc64ecma']).toBe(putWire.responseHeaders['x-cos-hash-crc64ecma']);
    expect(getWire.responseHeaders['x-cos-request-id']).toBe(got.$metadata.requestId);
  });

  it('HEAD Object returns the same headers as GET and no body', async () => {
    const body = Buffer.from('head me');
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'head.txt',
        Body: body,
        ContentType: 'text/plain',
        Metadata: { k: 'v' },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'head.txt' }));
    expect(head).toMatchObject({
      ETag: `"${md5Hex(body)}"`,
      ContentLength: body.length,
      ContentType: 'text/plain',
      Metadata: { k: 'v' },
    });
    // STANDARD is the default, and (as S3 and COS do) not announced.
    expect(head.StorageClass).toBeUndefined();
    expect(wire.at(-1)!.responseHeaders['x-cos-storage-class']).toBeUndefined();
    const raw = await rawRequest(t, { method: 'HEAD', path: `/${bucket}/head.txt` });
    expect(raw.status).toBe(200);
    expect(raw.body.length).toBe(0);
    expect(raw.headers['content-length']).toBe(String(body.length));
    expect(raw.headers['etag']).toBe(`"${md5Hex(body)}"`);
    expect(raw.headers['last-modified']).toBe(head.LastModified!.toUTCString());
  });

  it('reports x-cos-hash-crc64ecma as CRC-64/XZ in unsigned decimal ("123456789" → 11051210869376104954)', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'crc-check', Body: CRC64_CHECK_INPUT }));
    expect(wire.at(-1)!.responseHeaders['x-cos-hash-crc64ecma']).toBe(CRC64_CHECK_DECIMAL);
    expect(put.ChecksumCRC32).toBe(CRC32_CHECK_BASE64);
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'crc-check' }));
    expect(wire.at(-1)!.responseHeaders['x-cos-hash-crc64ecma']).toBe(CRC64_CHECK_DECIMAL);
  });

  it('accepts a Readable stream body with ContentLength (aws-chunked, CRC32 trailer) and stores only the data', async () => {
    const data = randomBytes(300 * 1024 + 7);
    const pieces = [data.subarray(0, 1000), data.subarray(1000, 200_000), data.subarray(200_000)];
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'stream.bin',
        Body: Readable.from(pieces),
        ContentLength: data.length,
        ContentEncoding: 'gzip',
      }),
    );
    const w = wire.at(-1)!;
    expect(w.headers['x-amz-content-sha256']).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    expect(w.headers['content-encoding']).toBe('gzip,aws-chunked');
    expect(w.headers['x-amz-trailer']).toBe('x-amz-checksum-crc32');
    expect(w.headers['x-amz-decoded-content-length']).toBe(String(data.length));
    expect(put.ETag).toBe(`"${md5Hex(data)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'stream.bin', ChecksumMode: 'ENABLED' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
    expect(got.ContentLength).toBe(data.length);
    // aws-chunked is framing, not part of the object: only gzip is stored.
    expect(got.ContentEncoding).toBe('gzip');
    expect(got.ChecksumCRC32).toBe(put.ChecksumCRC32);
  });

  it('a stream body without other encodings stores no Content-Encoding at all', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'stream2',
        Body: Readable.from([Buffer.from('abc')]),
        ContentLength: 3,
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'stream2' }));
    expect(head.ContentEncoding).toBeUndefined();
    expect(head.ContentLength).toBe(3);
  });

  it('a wrong Content-MD5 is 400 BadDigest and writes nothing', async () => {
    const err = await sdkError(
      s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'bad-md5', Body: 'payload', ContentMD5: md5Base64('other') }),
      ),
    );
    expect(err).toMatchObject({ status: 400, code: 'BadDigest' });
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'bad-md5' })))).toMatchObject({
      status: 404,
    });
    // The right one is accepted.
    const ok = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'bad-md5', Body: 'payload', ContentMD5: md5Base64('payload') }),
    );
    expect(ok.ETag).toBe(`"${md5Hex('payload')}"`);
  });

  it('a wrong x-amz-checksum-crc32 is 400 BadDigest (SDK-supplied value and raw signed request)', async () => {
    const viaSdk = await sdkError(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'bad-crc', Body: 'payload', ChecksumCRC32: 'AAAAAA==' })),
    );
    expect(wire.at(-1)!.headers['x-amz-checksum-crc32']).toBe('AAAAAA==');
    expect(viaSdk).toMatchObject({ status: 400, code: 'BadDigest' });
    const raw = await rawRequest(t, {
      method: 'PUT',
      path: `/${bucket}/bad-crc`,
      body: CRC64_CHECK_INPUT,
      headers: { 'x-amz-checksum-crc32': Buffer.from('cbf43927', 'hex').toString('base64') },
    });
    expect(errorOf(raw)).toMatchObject({ status: 400, code: 'BadDigest', resource: `${bucket}/bad-crc` });
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'bad-crc' })))).toMatchObject({
      status: 404,
    });
    const good = await rawRequest(t, {
      method: 'PUT',
      path: `/${bucket}/bad-crc`,
      body: CRC64_CHECK_INPUT,
      headers: { 'x-amz-checksum-crc32': CRC32_CHECK_BASE64 },
    });
    expect(good.status).toBe(200);
    expect(good.headers['x-amz-checksum-crc32']).toBe(CRC32_CHECK_BASE64);
  });

  it('GET with ChecksumMode ENABLED returns the stored checksum (CRC32 and SHA256) and the SDK validates it', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sum-crc', Body: CRC64_CHECK_INPUT }));
    const crc = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'sum-crc', ChecksumMode: 'ENABLED' }));
    expect(await crc.Body!.transformToString()).toBe(CRC64_CHECK_INPUT);
    expect(crc.ChecksumCRC32).toBe(CRC32_CHECK_BASE64);
    expect(wire.at(-1)!.headers['x-amz-checksum-mode']).toBe('ENABLED');

    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'sum-sha', Body: 'sha body', ChecksumAlgorithm: 'SHA256' }),
    );
    const sha = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'sum-sha', ChecksumMode: 'ENABLED' }));
    expect(await sha.Body!.transformToString()).toBe('sha body');
    const { createHash } = await import('node:crypto');
    expect(sha.ChecksumSHA256).toBe(createHash('sha256').update('sha body').digest('base64'));

    // The SDK asks for checksums by default (responseChecksumValidation WHEN_SUPPORTED)...
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'sum-crc' }));
    expect(wire.at(-1)!.headers['x-amz-checksum-mode']).toBe('ENABLED');
    // ...a request without x-amz-checksum-mode gets none, and a ranged one neither (it covers part of the object).
    const plain = await rawRequest(t, { method: 'GET', path: `/${bucket}/sum-crc` });
    expect(plain.status).toBe(200);
    expect(plain.headers['x-amz-checksum-crc32']).toBeUndefined();
    const ranged = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'sum-crc', Range: 'bytes=0-3', ChecksumMode: 'ENABLED' }),
    );
    expect(await ranged.Body!.transformToString()).toBe('1234');
    expect(wire.at(-1)!.responseHeaders['x-amz-checksum-crc32']).toBeUndefined();
  });

  it('user metadata: exactly 2 KB is stored, one byte more is 400 MetadataTooLarge', async () => {
    // Names count as well as values: "big" (3 bytes) + value.
    const fits = { big: 'x'.repeat(2048 - 3) };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'meta-2k', Body: 'm', Metadata: fits }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'meta-2k' }));
    expect(head.Metadata).toEqual(fits);
    const err = await sdkError(
      s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'meta-big', Body: 'm', Metadata: { big: 'x'.repeat(2046) } }),
      ),
    );
    expect(err).toMatchObject({ status: 400, code: 'MetadataTooLarge' });
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'meta-big' })))).toMatchObject({
      status: 404,
    });
  });

  it('overwriting a key replaces body and attributes', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'over', Body: 'first', ContentType: 'text/a', Metadata: { a: '1' } }),
    );
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'over', Body: 'second!' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'over' }));
    expect(await got.Body!.transformToString()).toBe('second!');
    expect(got.ContentType).toBe('application/octet-stream');
    expect(got.Metadata).toEqual({});
  });

  it('stores zero-byte objects and folder markers (keys ending in "/")', async () => {
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: AWKWARD_KEYS.folder, Body: new Uint8Array(0) }),
    );
    expect(put.ETag).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: AWKWARD_KEYS.folder }));
    expect(got.ContentLength).toBe(0);
    expect((await got.Body!.transformToByteArray()).length).toBe(0);
    expect(wire.at(-1)!.responseHeaders['x-cos-hash-crc64ecma']).toBe('0');
  });

  it.each(Object.entries(AWKWARD_KEYS))('round-trips the awkward key %s exactly', async (_name, key) => {
    const body = Buffer.from(`body of ${JSON.stringify(key)}`);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    expect((await getBytes(key)).equals(body)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ContentLength).toBe(body.length);
    // Spelled differently on the wire (every byte escaped), it is the same object.
    const escaped = [...Buffer.from(key)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    const raw = await rawRequest(t, { method: 'GET', path: `/${bucket}/${escaped}` });
    expect(raw.status).toBe(200);
    expect(raw.body.equals(body)).toBe(true);
  });

  it('a "+" in the path is a literal plus, not a space', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'p+q', Body: 'plus' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'p q', Body: 'space' }));
    const plus = await rawRequest(t, { method: 'GET', path: `/${bucket}/p+q` });
    expect(plus.text).toBe('plus');
    const space = await rawRequest(t, { method: 'GET', path: `/${bucket}/${encodeKeyPath('p q')}` });
    expect(space.text).toBe('space');
  });

  it('GET of a missing key is 404 NoSuchKey; HEAD is a bare 404', async () => {
    const err = await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'nope/missing.txt' })));
    expect(err).toMatchObject({ status: 404, code: 'NoSuchKey' });
    const raw = await rawRequest(t, { method: 'GET', path: `/${bucket}/nope/missing.txt` });
    expect(errorOf(raw)).toMatchObject({ status: 404, code: 'NoSuchKey', resource: `${bucket}/nope/missing.txt` });
    const head = await rawRequest(t, { method: 'HEAD', path: `/${bucket}/nope/missing.txt` });
    expect(head.status).toBe(404);
    expect(head.body.length).toBe(0);
  });

  it('streams a 4 MiB body back unchanged via GetObject', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big.bin', Body: data }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
    const back = await readAll(got.Body as AsyncIterable<Uint8Array>);
    expect(back.length).toBe(data.length);
    expect(md5Hex(back)).toBe(md5Hex(data));
  });
});

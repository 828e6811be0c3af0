/**
 * putObject / headObject / getObject / deleteObject through cos-nodejs-sdk-v5 in each addressing
 * mode: stored headers, x-cos-meta-*, storage class, Content-MD5, x-cos-hash-crc64ecma (CRC-64/XZ),
 * and the example calls of https://intl.cloud.tencent.com/document/product/436/31710.
 */
import fs from 'node:fs';
import path from 'node:path';
import type COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COS_MODES, cosError, crc64ecma, expectCosError, md5Hex, REGION, recordRequests } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

/** A key that needs percent-encoding in the path and signature: space, parentheses, UTF-8. */
const AWKWARD_KEY = 'dir/exampleobject(腾讯云) 1.txt';

describe('CRC-64/XZ reference', () => {
  // CRC-64/XZ in the CRC catalogue: https://reveng.sourceforge.io/crc-catalogue/17plus.htm#crc.cat.crc-64-xz
  it('matches the published vectors', () => {
    expect(crc64ecma('123456789')).toBe('11051210869376104954');
    expect(crc64ecma('Hello')).toBe('5895031849087642824');
    expect(crc64ecma('')).toBe('0');
  });
});

describe.each(COS_MODES)('cos-nodejs-sdk-v5 objects, %s style', (mode) => {
  const Bucket = `objects${mode}-1250000000`;
  beforeAll(async () => {
    await t.cos(mode).putBucket({ Bucket, Region: REGION });
  });

  it('the request really uses this addressing mode on the wire', async () => {
    const recorder = recordRequests(Bucket);
    try {
      await t.cos(mode).putObject({ Bucket, Region: REGION, Key: 'wire/a b.txt', Body: 'w' });
    } finally {
      recorder.stop();
    }
    const [put] = recorder.exchanges;
    const expected = {
      path: { url: `/${Bucket}/wire/a%20b.txt`, host: `127.0.0.1:${t.port}` },
      vhost: { url: '/wire/a%20b.txt', host: `${Bucket}.cos.localhost:${t.port}` },
      ip: { url: '/wire/a%20b.txt', host: `${Bucket}.cos.${REGION}.myqcloud.com` },
    }[mode];
    expect({ url: put?.url, host: put?.headers.host }).toEqual(expected);
    expect(put?.headers.authorization).toMatch(/^q-sign-algorithm=sha1&q-ak=/);
  });

  it('COS JS SDK "upload a string": putObject returns the quoted MD5 ETag and the CRC-64 in decimal', async () => {
    const cos = t.cos(mode);
    const data = await cos.putObject({ Bucket, Region: REGION, Key: 'picture.jpg', Body: 'hello!' });
    expect(data.statusCode).toBe(200);
    expect(data.ETag).toBe(`"${md5Hex('hello!')}"`);
    expect(data.headers?.['x-cos-hash-crc64ecma']).toBe(crc64ecma('hello!'));
    expect(data.RequestId).toBe(data.headers?.['x-cos-request-id']);
  });

  it('getObject returns the exact bytes; headObject the size, ETag, CRC-64 and defaults', async () => {
    const cos = t.cos(mode);
    const body = Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13, 0x80]);
    const put = await cos.putObject({ Bucket, Region: REGION, Key: AWKWARD_KEY, Body: body });

    const got = await cos.getObject({ Bucket, Region: REGION, Key: AWKWARD_KEY });
    expect(got.statusCode).toBe(200);
    expect(Buffer.compare(got.Body as Buffer, body)).toBe(0);
    expect(got.ETag).toBe(put.ETag);
    expect(got.headers?.['x-cos-hash-crc64ecma']).toBe(crc64ecma(body));

    const head = await cos.headObject({ Bucket, Region: REGION, Key: AWKWARD_KEY });
    expect(head.statusCode).toBe(200);
    expect(head.ETag).toBe(`"${md5Hex(body)}"`);
    expect(head.headers).toMatchObject({
      'content-length': String(body.length),
      'x-cos-hash-crc64ecma': crc64ecma(body),
      'x-cos-object-type': 'normal',
      // The SDK sends no Content-Type for Buffer bodies; COS (and Coffer, for COS clients) takes it from the
      // key's extension.
      'content-type': 'text/plain',
    });
    // STANDARD is reported by leaving the header out (COS JS SDK docs: "If this header is not returned … STANDARD").
    expect(head.headers?.['x-cos-storage-class']).toBeUndefined();
    expect(new Date(head.headers!['last-modified']!).getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('putObject stores Content-Type, Cache-Control, Content-Disposition, Content-Encoding, Expires and x-cos-meta-*', async () => {
    const cos = t.cos(mode);
    const Key = 'headers.txt';
    const attributes = {
      ContentType: 'text/plain; charset=utf-8',
      CacheControl: 'max-age=3600',
      ContentDisposition: 'attachment; filename="report.txt"',
      ContentEncoding: 'identity',
      Expires: 'Wed, 21 Oct 2037 07:28:00 GMT',
    };
    await cos.putObject({
      Bucket,
      Region: REGION,
      Key,
      Body: 'body',
      ...attributes,
      'x-cos-meta-project': 'coffer',
      'x-cos-meta-reviewed-by': 'Ada Lovelace',
    });
    const expectedHeaders = {
      'content-type': attributes.ContentType,
      'cache-control': attributes.CacheControl,
      'content-disposition': attributes.ContentDisposition,
      'content-encoding': attributes.ContentEncoding,
      expires: attributes.Expires,
      'x-cos-meta-project': 'coffer',
      'x-cos-meta-reviewed-by': 'Ada Lovelace',
    };
    const head = await cos.headObject({ Bucket, Region: REGION, Key });
    expect(head.headers).toMatchObject(expectedHeaders);
    const got = await cos.getObject({ Bucket, Region: REGION, Key });
    expect(got.headers).toMatchObject(expectedHeaders);
    expect(got.Body?.toString()).toBe('body');
  });

  it('COS JS SDK StorageClass: STANDARD_IA is kept, reported on HEAD and in the listing', async () => {
    const cos = t.cos(mode);
    await cos.putObject({ Bucket, Region: REGION, Key: 'cold/ia.bin', Body: 'ia', StorageClass: 'STANDARD_IA' });
    const head = await cos.headObject({ Bucket, Region: REGION, Key: 'cold/ia.bin' });
    expect(head.headers?.['x-cos-storage-class']).toBe('STANDARD_IA');
    const listed = await cos.getBucket({ Bucket, Region: REGION, Prefix: 'cold/' });
    expect(listed.Contents.map((c) => [c.Key, c.StorageClass])).toEqual([['cold/ia.bin', 'STANDARD_IA']]);
  });

  it('deleteObject answers 204 and the key is gone; deleting it again is still a success', async () => {
    const cos = t.cos(mode);
    await cos.putObject({ Bucket, Region: REGION, Key: 'doomed.txt', Body: 'x' });
    const deleted = await cos.deleteObject({ Bucket, Region: REGION, Key: 'doomed.txt' });
    expect(deleted.statusCode).toBe(204);

    const err = await cosError(cos.getObject({ Bucket, Region: REGION, Key: 'doomed.txt' }));
    expectCosError(err, { statusCode: 404, code: 'NoSuchKey', resource: `${Bucket}/doomed.txt` });
    const headErr = await cosError(cos.headObject({ Bucket, Region: REGION, Key: 'doomed.txt' }));
    expect(headErr.statusCode).toBe(404);
    expect(headErr.code).toBe('404');

    const again = await cos.deleteObject({ Bucket, Region: REGION, Key: 'doomed.txt' });
    expect(again.statusCode).toBe(204);
  });

  it('putObject overwrites: the latest body, ETag and headers win', async () => {
    const cos = t.cos(mode);
    await cos.putObject({ Bucket, Region: REGION, Key: 'v.txt', Body: 'one', ContentType: 'text/plain' });
    await cos.putObject({ Bucket, Region: REGION, Key: 'v.txt', Body: 'two!', 'x-cos-meta-n': '2' });
    const got = await cos.getObject({ Bucket, Region: REGION, Key: 'v.txt' });
    expect(got.Body?.toString()).toBe('two!');
    expect(got.ETag).toBe(`"${md5Hex('two!')}"`);
    // The second PUT names no type: the one from the key's extension, not the first PUT's.
    expect(got.headers?.['content-type']).toBe('text/plain');
    expect(got.headers?.['x-cos-meta-n']).toBe('2');
  });
});

describe('cos-nodejs-sdk-v5 putObject checks', () => {
  const Bucket = 'putchecks-1250000000';
  beforeAll(async () => {
    await t.cos('path').putBucket({ Bucket, Region: REGION });
  });

  it('COS JS SDK "upload the file object": a file stream with StorageClass STANDARD and onProgress', async () => {
    const file = path.join(t.dataDir, 'picture.jpg');
    const content = Buffer.alloc(64 * 1024, 7);
    fs.writeFileSync(file, content);
    const progress: { loaded: number; total: number }[] = [];
    const cos = t.cos('vhost');
    const put = await cos.putObject({
      Bucket,
      Region: REGION,
      Key: 'picture.jpg',
      StorageClass: 'STANDARD',
      Body: fs.createReadStream(file),
      ContentLength: content.length,
      onProgress: (p) => progress.push({ loaded: p.loaded, total: p.total }),
    });
    expect(put.ETag).toBe(`"${md5Hex(content)}"`);
    expect(progress.at(-1)).toEqual({ loaded: content.length, total: content.length });
    const head = await cos.headObject({ Bucket, Region: REGION, Key: 'picture.jpg' });
    // The SDK names a file stream's type from its path.
    expect(head.headers).toMatchObject({ 'content-type': 'image/jpeg', 'content-length': String(content.length) });
    expect(head.headers?.['x-cos-storage-class']).toBeUndefined();
  });

  it('a stream without ContentLength goes chunked and is stored whole', async () => {
    const file = path.join(t.dataDir, 'chunked.txt');
    fs.writeFileSync(file, 'chunked body');
    const cos = t.cos('path');
    const recorder = recordRequests(Bucket);
    try {
      await cos.putObject({ Bucket, Region: REGION, Key: 'chunked.txt', Body: fs.createReadStream(file) });
    } finally {
      recorder.stop();
    }
    expect(recorder.exchanges.map((e) => [e.headers['transfer-encoding'], e.headers['content-length']])).toEqual([
      ['chunked', undefined],
    ]);
    const got = await cos.getObject({ Bucket, Region: REGION, Key: 'chunked.txt' });
    expect(got.Body?.toString()).toBe('chunked body');
    expect(got.headers?.['content-type']).toBe('text/plain');
  });

  it('UploadCheckContentMd5 sends Content-MD5, which the server accepts', async () => {
    const cos = t.cos('vhost', { UploadCheckContentMd5: true });
    const recorder = recordRequests(Bucket);
    try {
      const put = await cos.putObject({ Bucket, Region: REGION, Key: 'md5.txt', Body: 'checked body' });
      expect(put.ETag).toBe(`"${md5Hex('checked body')}"`);
    } finally {
      recorder.stop();
    }
    const puts = recorder.exchanges.filter((e) => e.method === 'PUT');
    expect(puts).toHaveLength(1);
    expect(puts[0]!.headers['content-md5']).toBe(Buffer.from(md5Hex('checked body'), 'hex').toString('base64'));
    expect(puts[0]!.status).toBe(200);
  });

  it('a Content-MD5 that does not match the body is 400 BadDigest, and nothing is stored', async () => {
    const cos = t.cos('path');
    const err = await cosError(
      cos.putObject({
        Bucket,
        Region: REGION,
        Key: 'bad-md5.txt',
        Body: 'actual body',
        // The SDK maps ContentMD5 to the Content-MD5 header; its typings leave it out.
        ContentMD5: Buffer.from(md5Hex('other body'), 'hex').toString('base64'),
      } as COS.PutObjectParams),
    );
    expectCosError(err, { statusCode: 400, code: 'BadDigest', resource: `${Bucket}/bad-md5.txt` });
    expect((await cosError(cos.headObject({ Bucket, Region: REGION, Key: 'bad-md5.txt' }))).statusCode).toBe(404);
  });

  it('a Content-MD5 that is not a base64 MD5 is 400 InvalidDigest', async () => {
    const err = await cosError(
      t
        .cos('path')
        .putObject({ Bucket, Region: REGION, Key: 'x', Body: 'x', ContentMD5: 'not-md5' } as COS.PutObjectParams),
    );
    expectCosError(err, { statusCode: 400, code: 'InvalidDigest', resource: `${Bucket}/x` });
  });

  it('x-cos-meta-* may total 2 KB (names + values); one byte more is 400 MetadataTooLarge', async () => {
    const cos = t.cos('path');
    const ok = await cos.putObject({
      Bucket,
      Region: REGION,
      Key: 'meta-max',
      Body: 'm',
      'x-cos-meta-a': 'v'.repeat(2047),
    });
    expect(ok.statusCode).toBe(200);
    const head = await cos.headObject({ Bucket, Region: REGION, Key: 'meta-max' });
    expect(head.headers?.['x-cos-meta-a']).toBe('v'.repeat(2047));

    const err = await cosError(
      cos.putObject({ Bucket, Region: REGION, Key: 'meta-over', Body: 'm', 'x-cos-meta-a': 'v'.repeat(2048) }),
    );
    expectCosError(err, { statusCode: 400, code: 'MetadataTooLarge', resource: `${Bucket}/meta-over` });
  });

  it('StorageClass is case-insensitive as older COS SDK docs spell it ("Standard_IA"), returned upper-case', async () => {
    const cos = t.cos('ip');
    await cos.putObject({
      Bucket,
      Region: REGION,
      Key: 'ia-mixed',
      Body: 'x',
      StorageClass: 'Standard_IA' as COS.StorageClass,
    });
    const head = await cos.headObject({ Bucket, Region: REGION, Key: 'ia-mixed' });
    expect(head.headers?.['x-cos-storage-class']).toBe('STANDARD_IA');
  });

  it('an unknown StorageClass is 400 InvalidStorageClass', async () => {
    const err = await cosError(
      t
        .cos('path')
        .putObject({ Bucket, Region: REGION, Key: 'sc', Body: 'x', StorageClass: 'COLDEST' as COS.StorageClass }),
    );
    expectCosError(err, { statusCode: 400, code: 'InvalidStorageClass', resource: `${Bucket}/sc` });
  });

  it('putObject into a missing bucket is 404 NoSuchBucket', async () => {
    const missing = t.bucketName('missing');
    const err = await cosError(t.cos('vhost').putObject({ Bucket: missing, Region: REGION, Key: 'k', Body: 'x' }));
    expectCosError(err, { statusCode: 404, code: 'NoSuchBucket', resource: `${missing}/k` });
  });

  it('deleteObject in a missing bucket: the server says 404, which the SDK reports as {BucketNotFound: true}', async () => {
    const missing = t.bucketName('missing');
    const recorder = recordRequests(missing);
    let data: unknown;
    try {
      data = await t.cos('path').deleteObject({ Bucket: missing, Region: REGION, Key: 'k' });
    } finally {
      recorder.stop();
    }
    expect(data).toEqual({ BucketNotFound: true, statusCode: 404 });
    expect(recorder.exchanges.map((e) => [e.method, e.status])).toEqual([['DELETE', 404]]);
  });

  it('the SDK strips one leading "/" from Key, so "/a.txt" and "a.txt" are the same object', async () => {
    const cos = t.cos('path');
    await cos.putObject({ Bucket, Region: REGION, Key: '/slash.txt', Body: 'slash' });
    const got = await cos.getObject({ Bucket, Region: REGION, Key: 'slash.txt' });
    expect(got.Body?.toString()).toBe('slash');
  });
});

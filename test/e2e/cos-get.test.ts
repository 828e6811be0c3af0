/**
 * getObject / headObject options through cos-nodejs-sdk-v5: Range (the COS JS SDK docs' `bytes=1-3`, suffix
 * and open ranges), the If-* preconditions (the SDK turns a 304 into {NotModified: true} when
 * IfModifiedSince was sent) and the Response* header overrides.
 */
import type COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COS_MODES, cosError, crc64ecma, expectCosError, md5Hex, REGION } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

const BODY = '0123456789abcdef';
const KEY = 'picture.jpg';

describe.each(COS_MODES)('cos-nodejs-sdk-v5 getObject Range, %s style', (mode) => {
  const Bucket = `range${mode}-1250000000`;
  beforeAll(async () => {
    const cos = t.cos(mode);
    await cos.putBucket({ Bucket, Region: REGION });
    await cos.putObject({ Bucket, Region: REGION, Key: KEY, Body: BODY });
  });

  it.each([
    ['bytes=1-3', '123', 'bytes 1-3/16'],
    ['bytes=-4', 'cdef', 'bytes 12-15/16'],
    ['bytes=10-', 'abcdef', 'bytes 10-15/16'],
    ['bytes=14-99', 'ef', 'bytes 14-15/16'],
    ['bytes=-99', BODY, 'bytes 0-15/16'],
    ['bytes=0-0', '0', 'bytes 0-0/16'],
  ])('Range %s is 206 with exactly %j', async (Range, expected, contentRange) => {
    const data = await t.cos(mode).getObject({ Bucket, Region: REGION, Key: KEY, Range });
    expect(data.statusCode).toBe(206);
    expect(data.Body?.toString()).toBe(expected);
    expect(data.headers?.['content-range']).toBe(contentRange);
    expect(data.headers?.['content-length']).toBe(String(expected.length));
    expect(data.ETag).toBe(`"${md5Hex(BODY)}"`);
    // The whole object's CRC-64, as on HEAD: downloadFile compares the two for every ranged part.
    expect(data.headers?.['x-cos-hash-crc64ecma']).toBe(crc64ecma(BODY));
  });

  it('a Range starting past the end is 416 InvalidRange', async () => {
    const err = await cosError(t.cos(mode).getObject({ Bucket, Region: REGION, Key: KEY, Range: 'bytes=16-' }));
    expectCosError(err, { statusCode: 416, code: 'InvalidRange', resource: `${Bucket}/${KEY}` });
    expect(err.headers['content-range']).toBe('bytes */16');
  });
});

describe('cos-nodejs-sdk-v5 getObject / headObject preconditions', () => {
  const Bucket = 'conditions-1250000000';
  let etag: string;
  let lastModified: string;
  const before = new Date(Date.now() - 3_600_000).toUTCString();
  const after = new Date(Date.now() + 3_600_000).toUTCString();

  beforeAll(async () => {
    const cos = t.cos('path');
    await cos.putBucket({ Bucket, Region: REGION });
    etag = (await cos.putObject({ Bucket, Region: REGION, Key: KEY, Body: BODY })).ETag;
    lastModified = (await cos.headObject({ Bucket, Region: REGION, Key: KEY })).headers!['last-modified']!;
  });

  it('IfMatch with the ETag serves the object; any other ETag is 412 PreconditionFailed', async () => {
    const cos = t.cos('vhost');
    const ok = await cos.getObject({ Bucket, Region: REGION, Key: KEY, IfMatch: etag });
    expect(ok.statusCode).toBe(200);
    expect(ok.Body?.toString()).toBe(BODY);
    const err = await cosError(cos.getObject({ Bucket, Region: REGION, Key: KEY, IfMatch: `"${md5Hex('x')}"` }));
    expectCosError(err, { statusCode: 412, code: 'PreconditionFailed', resource: `${Bucket}/${KEY}` });
  });

  it('IfNoneMatch with the ETag is a bare 304 (the SDK reports it as an error without IfModifiedSince)', async () => {
    const cos = t.cos('vhost');
    const err = await cosError(cos.getObject({ Bucket, Region: REGION, Key: KEY, IfNoneMatch: etag }));
    expect(err.statusCode).toBe(304);
    expect(err.headers['content-length'] ?? '0').toBe('0');
    const other = await cos.getObject({ Bucket, Region: REGION, Key: KEY, IfNoneMatch: `"${md5Hex('x')}"` });
    expect(other.statusCode).toBe(200);
  });

  it('IfModifiedSince at or after Last-Modified gives {NotModified: true}; before it, the object', async () => {
    const cos = t.cos('ip');
    expect(await cos.getObject({ Bucket, Region: REGION, Key: KEY, IfModifiedSince: lastModified })).toEqual({
      NotModified: true,
    });
    expect(await cos.getObject({ Bucket, Region: REGION, Key: KEY, IfModifiedSince: after })).toEqual({
      NotModified: true,
    });
    const changed = await cos.getObject({ Bucket, Region: REGION, Key: KEY, IfModifiedSince: before });
    expect(changed.statusCode).toBe(200);
    expect(changed.Body?.toString()).toBe(BODY);
  });

  it('COS JS SDK headObject IfModifiedSince: 304 becomes {NotModified: true, statusCode: 304}', async () => {
    const cos = t.cos('path');
    expect(
      await cos.headObject({ Bucket, Region: REGION, Key: KEY, IfModifiedSince: after } as COS.HeadObjectParams),
    ).toEqual({
      NotModified: true,
      statusCode: 304,
    });
    const head = await cos.headObject({
      Bucket,
      Region: REGION,
      Key: KEY,
      IfModifiedSince: before,
    } as COS.HeadObjectParams);
    expect(head.statusCode).toBe(200);
    expect(head.ETag).toBe(etag);
  });

  it('IfUnmodifiedSince before Last-Modified is 412; at or after it, the object', async () => {
    const cos = t.cos('path');
    const err = await cosError(cos.getObject({ Bucket, Region: REGION, Key: KEY, IfUnmodifiedSince: before }));
    expectCosError(err, { statusCode: 412, code: 'PreconditionFailed', resource: `${Bucket}/${KEY}` });
    for (const IfUnmodifiedSince of [lastModified, after]) {
      const ok = await cos.getObject({ Bucket, Region: REGION, Key: KEY, IfUnmodifiedSince });
      expect(ok.Body?.toString()).toBe(BODY);
    }
  });

  it('IfMatch wins over a failing IfUnmodifiedSince; IfNoneMatch over a passing IfModifiedSince (RFC 7232)', async () => {
    const cos = t.cos('path');
    const ok = await cos.getObject({ Bucket, Region: REGION, Key: KEY, IfMatch: etag, IfUnmodifiedSince: before });
    expect(ok.statusCode).toBe(200);
    // If-Modified-Since alone (before Last-Modified) would serve the object; If-None-Match decides.
    expect(
      await cos.getObject({ Bucket, Region: REGION, Key: KEY, IfNoneMatch: etag, IfModifiedSince: before }),
    ).toEqual({ NotModified: true });
  });

  it('a failed precondition on headObject is a bare 412', async () => {
    const err = await cosError(
      t.cos('path').headObject({ Bucket, Region: REGION, Key: KEY, IfMatch: '"nope"' } as COS.HeadObjectParams),
    );
    expect(err.statusCode).toBe(412);
    expect(err.code).toBe('412');
  });

  it('Range and IfMatch together serve the range', async () => {
    const data = await t.cos('path').getObject({ Bucket, Region: REGION, Key: KEY, IfMatch: etag, Range: 'bytes=1-3' });
    expect(data.statusCode).toBe(206);
    expect(data.Body?.toString()).toBe('123');
  });
});

describe('cos-nodejs-sdk-v5 getObject Response* overrides', () => {
  const Bucket = 'overrides-1250000000';
  beforeAll(async () => {
    const cos = t.cos('vhost');
    await cos.putBucket({ Bucket, Region: REGION });
    await cos.putObject({
      Bucket,
      Region: REGION,
      Key: KEY,
      Body: BODY,
      ContentType: 'image/jpeg',
      CacheControl: 'no-cache',
    });
  });

  it('each Response* parameter replaces its header in the response; the stored headers stay', async () => {
    const cos = t.cos('vhost');
    const data = await cos.getObject({
      Bucket,
      Region: REGION,
      Key: KEY,
      ResponseContentType: 'text/plain',
      ResponseContentLanguage: 'zh-CN',
      ResponseExpires: 'Thu, 01 Jan 2037 00:00:00 GMT',
      ResponseCacheControl: 'max-age=60',
      ResponseContentDisposition: 'attachment; filename="picture.jpg"',
      ResponseContentEncoding: 'identity',
    });
    expect(data.Body?.toString()).toBe(BODY);
    expect(data.headers).toMatchObject({
      'content-type': 'text/plain',
      'content-language': 'zh-CN',
      expires: 'Thu, 01 Jan 2037 00:00:00 GMT',
      'cache-control': 'max-age=60',
      'content-disposition': 'attachment; filename="picture.jpg"',
      'content-encoding': 'identity',
    });
    const head = await cos.headObject({ Bucket, Region: REGION, Key: KEY });
    expect(head.headers?.['content-type']).toBe('image/jpeg');
    expect(head.headers?.['cache-control']).toBe('no-cache');
    expect(head.headers?.['content-disposition']).toBeUndefined();
  });

  it('COS API FAQ: response-content-disposition=attachment on a signed GET', async () => {
    const data = await t
      .cos('ip')
      .getObject({ Bucket, Region: REGION, Key: KEY, ResponseContentDisposition: 'attachment' });
    expect(data.headers?.['content-disposition']).toBe('attachment');
    expect(data.Body?.toString()).toBe(BODY);
  });
});

import {
  CreateBucketCommand,
  GetObjectCommand,
  type GetObjectCommandInput,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, rawRequest, recordWire, sdkError, xmlFields } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';
const KEY = 'alphabet.txt';

describe('S3 GET Object: Range, preconditions, response-* overrides (@aws-sdk/client-s3)', () => {
  let t: TestServer;
  let s3: S3Client;
  let wire: ReturnType<typeof recordWire>;
  let bucket: string;
  let etag: string;
  let lastModified: Date;
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    wire = recordWire(s3);
    bucket = t.bucketName('cond');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: ALPHABET, ContentType: 'text/plain' }),
    );
    etag = put.ETag!;
    lastModified = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: KEY }))).LastModified!;
  });
  afterAll(async () => {
    await t.close();
  });

  const get = (extra: Partial<GetObjectCommandInput> = {}) =>
    s3.send(new GetObjectCommand({ Bucket: bucket, Key: KEY, ...extra }));

  describe('Range', () => {
    it.each([
      ['bytes=0-4', 'abcde', 'bytes 0-4/26'],
      ['bytes=10-10', 'k', 'bytes 10-10/26'],
      ['bytes=20-', 'uvwxyz', 'bytes 20-25/26'],
      ['bytes=-3', 'xyz', 'bytes 23-25/26'],
      ['bytes=-100', ALPHABET, 'bytes 0-25/26'],
      ['bytes=24-1000', 'yz', 'bytes 24-25/26'],
      ['bytes=0-', ALPHABET, 'bytes 0-25/26'],
    ])('%s → 206 %j with Content-Range %s', async (range, body, contentRange) => {
      const res = await get({ Range: range });
      expect(res.$metadata.httpStatusCode).toBe(206);
      expect(await res.Body!.transformToString()).toBe(body);
      expect(res.ContentRange).toBe(contentRange);
      expect(res.ContentLength).toBe(body.length);
      expect(res.ETag).toBe(etag);
    });

    it.each(['bytes=26-', 'bytes=100-200', 'bytes=-0'])(
      '%s is 416 InvalidRange with Content-Range bytes */26',
      async (range) => {
        const err = await sdkError(get({ Range: range }));
        expect(err).toMatchObject({ status: 416, code: 'InvalidRange' });
        const raw = await rawRequest(t, { method: 'GET', path: `/${bucket}/${KEY}`, headers: { range } });
        expect(errorOf(raw)).toMatchObject({ status: 416, code: 'InvalidRange', resource: `${bucket}/${KEY}` });
        expect(raw.headers['content-range']).toBe('bytes */26');
        expect(xmlFields(raw.text)['ActualObjectSize']).toBe('26');
      },
    );

    it.each(['bytes=5-2', 'items=0-3', 'bytes=0-1,4-5', 'bytes=abc', 'bytes=-'])(
      'an unusable Range (%s) is ignored: 200 and the whole object',
      async (range) => {
        const res = await rawRequest(t, { method: 'GET', path: `/${bucket}/${KEY}`, headers: { range } });
        expect(res.status).toBe(200);
        expect(res.text).toBe(ALPHABET);
        expect(res.headers['content-range']).toBeUndefined();
      },
    );

    it('HEAD with a Range answers 206 with Content-Range and the range length, without a body', async () => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: KEY, Range: 'bytes=2-5' }));
      expect(head.$metadata.httpStatusCode).toBe(206);
      expect(head.ContentRange).toBe('bytes 2-5/26');
      expect(head.ContentLength).toBe(4);
    });

    it('If-Match together with Range (awscli v1 parallel download) serves the range', async () => {
      const res = await get({ Range: 'bytes=3-5', IfMatch: etag });
      expect(res.$metadata.httpStatusCode).toBe(206);
      expect(await res.Body!.transformToString()).toBe('def');
      expect(await sdkError(get({ Range: 'bytes=3-5', IfMatch: '"0000"' }))).toMatchObject({
        status: 412,
        code: 'PreconditionFailed',
      });
    });
  });

  describe('preconditions', () => {
    const past = () => new Date(lastModified.getTime() - 3_600_000);
    const future = () => new Date(lastModified.getTime() + 3_600_000);

    it('If-Match: 200 when it names the ETag (also in a list, or *), 412 PreconditionFailed otherwise', async () => {
      for (const ifMatch of [etag, `"nope", ${etag}`, '*', etag.slice(1, -1)]) {
        const res = await get({ IfMatch: ifMatch });
        expect(res.$metadata.httpStatusCode).toBe(200);
        expect(await res.Body!.transformToString()).toBe(ALPHABET);
      }
      expect(await sdkError(get({ IfMatch: '"0123456789abcdef0123456789abcdef"' }))).toMatchObject({
        status: 412,
        code: 'PreconditionFailed',
      });
    });

    it('If-None-Match: a bare 304 with ETag and Last-Modified when it names the ETag, 200 otherwise', async () => {
      const err = await sdkError(get({ IfNoneMatch: etag }));
      expect(err.status).toBe(304);
      const raw = await rawRequest(t, { method: 'GET', path: `/${bucket}/${KEY}`, headers: { 'if-none-match': etag } });
      expect(raw.status).toBe(304);
      expect(raw.body.length).toBe(0);
      expect(raw.headers['etag']).toBe(etag);
      expect(raw.headers['last-modified']).toBe(lastModified.toUTCString());
      const ok = await get({ IfNoneMatch: '"something-else"' });
      expect(ok.$metadata.httpStatusCode).toBe(200);
      expect(await ok.Body!.transformToString()).toBe(ALPHABET);
    });

    it('If-Modified-Since: 304 when not modified since, 200 when modified since', async () => {
      expect((await sdkError(get({ IfModifiedSince: future() }))).status).toBe(304);
      // Exactly Last-Modified (second precision) counts as not modified.
      expect((await sdkError(get({ IfModifiedSince: lastModified }))).status).toBe(304);
      const ok = await get({ IfModifiedSince: past() });
      expect(ok.$metadata.httpStatusCode).toBe(200);
      expect(await ok.Body!.transformToString()).toBe(ALPHABET);
    });

    it('If-Unmodified-Since: 412 when modified since, 200 when not', async () => {
      expect(await sdkError(get({ IfUnmodifiedSince: past() }))).toMatchObject({
        status: 412,
        code: 'PreconditionFailed',
      });
      const ok = await get({ IfUnmodifiedSince: lastModified });
      expect(ok.$metadata.httpStatusCode).toBe(200);
      await ok.Body!.transformToString();
    });

    it('If-Match true wins over If-Unmodified-Since false: 200 (S3 GetObject rule)', async () => {
      const res = await get({ IfMatch: etag, IfUnmodifiedSince: past() });
      expect(res.$metadata.httpStatusCode).toBe(200);
      expect(await res.Body!.transformToString()).toBe(ALPHABET);
    });

    it('If-None-Match false (ETag matches) with If-Modified-Since true: 304 (S3 GetObject rule)', async () => {
      expect((await sdkError(get({ IfNoneMatch: etag, IfModifiedSince: past() }))).status).toBe(304);
      // If-None-Match true (no match) makes If-Modified-Since irrelevant: 200.
      const res = await get({ IfNoneMatch: '"other"', IfModifiedSince: future() });
      expect(res.$metadata.httpStatusCode).toBe(200);
      await res.Body!.transformToString();
    });

    it('an unparseable date is ignored', async () => {
      const res = await rawRequest(t, {
        method: 'GET',
        path: `/${bucket}/${KEY}`,
        headers: { 'if-modified-since': 'not a date', 'if-unmodified-since': 'yesterday-ish' },
      });
      expect(res.status).toBe(200);
      expect(res.text).toBe(ALPHABET);
    });

    it('HEAD applies the same preconditions, without bodies', async () => {
      expect(
        (await sdkError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: KEY, IfNoneMatch: etag })))).status,
      ).toBe(304);
      const failed = await rawRequest(t, { method: 'HEAD', path: `/${bucket}/${KEY}`, headers: { 'if-match': '"x"' } });
      expect(failed.status).toBe(412);
      expect(failed.body.length).toBe(0);
      const ok = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: KEY, IfMatch: etag }));
      expect(ok.$metadata.httpStatusCode).toBe(200);
    });
  });

  describe('response-* overrides', () => {
    const overrides = {
      ResponseContentType: 'application/x-override',
      ResponseContentDisposition: 'attachment; filename="über.txt"; filename*=UTF-8\'\'%C3%BCber.txt',
      ResponseContentLanguage: 'de-CH',
      ResponseExpires: new Date('2035-05-05T05:05:05Z'),
      ResponseCacheControl: 'no-store',
      ResponseContentEncoding: 'x-custom',
    };

    it('GET replaces each header with its response-* query parameter', async () => {
      const res = await get(overrides);
      expect(await res.Body!.transformToString()).toBe(ALPHABET);
      expect(res).toMatchObject({
        ContentType: 'application/x-override',
        ContentDisposition: overrides.ResponseContentDisposition,
        ContentLanguage: 'de-CH',
        CacheControl: 'no-store',
        ContentEncoding: 'x-custom',
      });
      expect(res.ExpiresString).toBe('Sat, 05 May 2035 05:05:05 GMT');
      const w = wire.at(-1)!;
      expect(w.query['response-content-type']).toBe('application/x-override');
      // The stored object is unchanged.
      const plain = await get();
      expect(plain.ContentType).toBe('text/plain');
      expect(plain.CacheControl).toBeUndefined();
      await plain.Body!.transformToString();
    });

    it('HEAD honours response-* overrides too (HeadObject takes the same parameters)', async () => {
      const head = await s3.send(
        new HeadObjectCommand({
          Bucket: bucket,
          Key: KEY,
          ResponseContentType: 'image/png',
          ResponseCacheControl: 'max-age=1',
        }),
      );
      expect(head.ContentType).toBe('image/png');
      expect(head.CacheControl).toBe('max-age=1');
    });
  });
});

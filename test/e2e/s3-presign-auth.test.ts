import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeKeyPath, md5Base64, presignV2Url, rawRequest, sdkError, xmlFields } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const MINUTE_MS = 60_000;

/** Status, Code and Message of an error response fetched with plain fetch. */
async function fetchError(res: Response): Promise<{ status: number; code: string; message: string }> {
  const text = await res.text();
  const f = xmlFields(text);
  expect(f['RequestId']).toBe(res.headers.get('x-amz-request-id'));
  return { status: res.status, code: f['Code'] ?? '', message: f['Message'] ?? '' };
}

describe('S3 presigned URLs and authentication', () => {
  let t: TestServer;
  let s3: S3Client;
  let bucket: string;
  const KEY = 'presign/hello world+ü.txt';
  const BODY = 'presigned hello';
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    bucket = t.bucketName('auth');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: BODY, ContentType: 'text/plain' }));
  });
  afterAll(async () => {
    await t.close();
  });

  describe('SigV4 presigned URLs from @aws-sdk/s3-request-presigner, fetched with plain fetch', () => {
    it('GET works, and honours response-* overrides signed into the URL', async () => {
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: KEY }), { expiresIn: 300 });
      expect(url).toContain('X-Amz-Signature=');
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(BODY);
      expect(res.headers.get('content-type')).toBe('text/plain');
      const download = await getSignedUrl(
        s3,
        new GetObjectCommand({ Bucket: bucket, Key: KEY, ResponseContentDisposition: 'attachment; filename="x.txt"' }),
        { expiresIn: 300 },
      );
      const res2 = await fetch(download);
      expect(res2.status).toBe(200);
      expect(res2.headers.get('content-disposition')).toBe('attachment; filename="x.txt"');
      expect(await res2.text()).toBe(BODY);
    });

    it('PUT works (the CRC32 of an empty body the SDK bakes into the query is ignored, as S3 does)', async () => {
      const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: 'presigned-put.bin' }), {
        expiresIn: 300,
      });
      expect(new URL(url).searchParams.get('x-amz-checksum-crc32')).toBe('AAAAAA==');
      const body = Buffer.from('uploaded through a presigned URL');
      const res = await fetch(url, { method: 'PUT', body });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe(
        `"${(await import('node:crypto')).createHash('md5').update(body).digest('hex')}"`,
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'presigned-put.bin' }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    });

    it('PUT with a signed Content-Type and Content-MD5 stores them; a different body is 400 BadDigest', async () => {
      const body = 'typed body';
      const url = await getSignedUrl(
        s3,
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'typed.txt',
          ContentType: 'text/markdown',
          ContentMD5: md5Base64(body),
        }),
        { expiresIn: 300, signableHeaders: new Set(['content-type', 'content-md5']) },
      );
      const headers = { 'content-type': 'text/markdown', 'content-md5': md5Base64(body) };
      const bad = await fetch(url, { method: 'PUT', body: 'other body', headers });
      expect(await fetchError(bad)).toMatchObject({ status: 400, code: 'BadDigest' });
      const ok = await fetch(url, { method: 'PUT', body, headers });
      expect(ok.status).toBe(200);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'typed.txt' }));
      expect(head.ContentType).toBe('text/markdown');
    });

    it('an expired URL is 403 AccessDenied "Request has expired"', async () => {
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: KEY }), {
        expiresIn: 60,
        signingDate: new Date(Date.now() - 10 * MINUTE_MS),
      });
      expect(await fetchError(await fetch(url))).toEqual({
        status: 403,
        code: 'AccessDenied',
        message: 'Request has expired',
      });
    });

    it('the wrong method is 403 SignatureDoesNotMatch and changes nothing', async () => {
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: KEY }), { expiresIn: 300 });
      expect(await fetchError(await fetch(url, { method: 'PUT', body: 'overwrite!' }))).toMatchObject({
        status: 403,
        code: 'SignatureDoesNotMatch',
      });
      expect(await fetchError(await fetch(url, { method: 'DELETE' }))).toMatchObject({
        status: 403,
        code: 'SignatureDoesNotMatch',
      });
      const head = await fetch(url, { method: 'HEAD' });
      expect(head.status).toBe(403);
      expect(await head.text()).toBe('');
      const still = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: KEY }));
      expect(await still.Body!.transformToString()).toBe(BODY);
    });

    it('a tampered key, expiry or signature is 403 SignatureDoesNotMatch', async () => {
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: KEY }), { expiresIn: 300 });
      const otherKey = url.replace(encodeKeyPath(KEY), encodeKeyPath('presign/other.txt'));
      expect(otherKey).not.toBe(url);
      expect(await fetchError(await fetch(otherKey))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
      const longer = url.replace('X-Amz-Expires=300', 'X-Amz-Expires=3000');
      expect(await fetchError(await fetch(longer))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
      const sig = new URL(url).searchParams.get('X-Amz-Signature')!;
      const flipped = url.replace(sig, (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
      expect(await fetchError(await fetch(flipped))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
      // An extra, unsigned query parameter is also a different request.
      expect(await fetchError(await fetch(`${url}&response-content-type=text/evil`))).toMatchObject({
        status: 403,
        code: 'SignatureDoesNotMatch',
      });
    });

    it('X-Amz-Expires beyond 7 days is 400 AuthorizationQueryParametersError', async () => {
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: KEY }), { expiresIn: 300 });
      const res = await fetch(url.replace('X-Amz-Expires=300', 'X-Amz-Expires=604801'));
      expect(await fetchError(res)).toMatchObject({ status: 400, code: 'AuthorizationQueryParametersError' });
    });

    it('a URL signed with an unknown access key is 403 InvalidAccessKeyId', async () => {
      const stranger = t.s3({ credentials: { accessKeyId: 'AKIDunknownunknown', secretAccessKey: 'whatever' } });
      const url = await getSignedUrl(stranger, new GetObjectCommand({ Bucket: bucket, Key: KEY }), { expiresIn: 300 });
      expect(await fetchError(await fetch(url))).toMatchObject({ status: 403, code: 'InvalidAccessKeyId' });
    });
  });

  describe('SigV2 (awscli v1 presign, s3cmd --signature-v2)', () => {
    const nowSeconds = () => Math.floor(Date.now() / 1000);

    it('a SigV2 presigned GET works', async () => {
      const url = presignV2Url(t, {
        method: 'GET',
        path: `/${bucket}/${encodeKeyPath(KEY)}`,
        expiresAtSeconds: nowSeconds() + 300,
      });
      expect(url).toMatch(/AWSAccessKeyId=.*&Expires=\d+&Signature=/);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(BODY);
    });

    it('a SigV2 presigned GET with a signed response-content-type override', async () => {
      const url = presignV2Url(t, {
        method: 'GET',
        path: `/${bucket}/${encodeKeyPath(KEY)}`,
        query: 'response-content-type=application/x-v2',
        expiresAtSeconds: nowSeconds() + 300,
      });
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-v2');
      await res.arrayBuffer();
    });

    it('an expired SigV2 URL is 403 AccessDenied "Request has expired"; a wrong one SignatureDoesNotMatch', async () => {
      const path = `/${bucket}/${encodeKeyPath(KEY)}`;
      const expired = presignV2Url(t, { method: 'GET', path, expiresAtSeconds: nowSeconds() - 60 });
      expect(await fetchError(await fetch(expired))).toEqual({
        status: 403,
        code: 'AccessDenied',
        message: 'Request has expired',
      });
      const wrong = presignV2Url(t, { method: 'GET', path, expiresAtSeconds: nowSeconds() + 300, secretKey: 'nope' });
      expect(await fetchError(await fetch(wrong))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
      const wrongMethod = presignV2Url(t, { method: 'GET', path, expiresAtSeconds: nowSeconds() + 300 });
      expect(await fetchError(await fetch(wrongMethod, { method: 'DELETE' }))).toMatchObject({
        status: 403,
        code: 'SignatureDoesNotMatch',
      });
    });

    it('SigV2 header auth: PUT with Content-Type and Content-MD5, GET, list', async () => {
      const body = 'sigv2 body';
      const put = await rawRequest(t, {
        sign: 'v2',
        method: 'PUT',
        path: `/${bucket}/v2/obj.txt`,
        body,
        headers: { 'content-type': 'text/v2', 'content-md5': md5Base64(body), 'x-amz-meta-via': 'sigv2' },
      });
      expect(put.status).toBe(200);
      const get = await rawRequest(t, { sign: 'v2', method: 'GET', path: `/${bucket}/v2/obj.txt` });
      expect(get.status).toBe(200);
      expect(get.text).toBe(body);
      expect(get.headers['content-type']).toBe('text/v2');
      expect(get.headers['x-amz-meta-via']).toBe('sigv2');
      const list = await rawRequest(t, { sign: 'v2', method: 'GET', path: `/${bucket}`, query: 'prefix=v2%2F' });
      expect(list.status).toBe(200);
      expect(list.text).toContain('<Key>v2/obj.txt</Key>');
    });

    it('SigV2 header auth with a wrong secret is 403 SignatureDoesNotMatch', async () => {
      const res = await rawRequest(t, { sign: 'v2', method: 'GET', path: `/${bucket}`, secretKey: 'wrong-secret' });
      expect(res.status).toBe(403);
      expect(xmlFields(res.text)['Code']).toBe('SignatureDoesNotMatch');
    });
  });

  describe('clock skew, unknown keys, anonymous requests', () => {
    it.each([
      ['SigV4, 20 minutes slow', 'v4', -20],
      ['SigV4, 20 minutes fast', 'v4', 20],
      ['SigV2, 20 minutes slow', 'v2', -20],
    ] as const)('a request dated off by too much (%s) is 403 RequestTimeTooSkewed', async (_label, sign, minutes) => {
      const res = await rawRequest(t, {
        sign,
        method: 'GET',
        path: `/${bucket}`,
        nowMs: Date.now() + minutes * MINUTE_MS,
      });
      expect(res.status).toBe(403);
      const f = xmlFields(res.text);
      expect(f['Code']).toBe('RequestTimeTooSkewed');
      expect(Math.abs(Date.parse(f['ServerTime']!) - Date.now())).toBeLessThan(5000);
    });

    it('10 minutes of skew is within the allowed 15', async () => {
      const res = await rawRequest(t, { method: 'GET', path: `/${bucket}`, nowMs: Date.now() - 10 * MINUTE_MS });
      expect(res.status).toBe(200);
    });

    it('an unknown access key is 403 InvalidAccessKeyId (SDK)', async () => {
      const stranger = t.s3({ credentials: { accessKeyId: 'AKIDnobodyknowsme', secretAccessKey: 'secret' } });
      expect(await sdkError(stranger.send(new ListObjectsV2Command({ Bucket: bucket })))).toMatchObject({
        status: 403,
        code: 'InvalidAccessKeyId',
      });
    });

    it('the right key with the wrong secret is 403 SignatureDoesNotMatch (SDK)', async () => {
      const impostor = t.s3({ credentials: { accessKeyId: t.secretId, secretAccessKey: 'not-the-secret' } });
      expect(await sdkError(impostor.send(new GetObjectCommand({ Bucket: bucket, Key: KEY })))).toMatchObject({
        status: 403,
        code: 'SignatureDoesNotMatch',
      });
    });

    it('an anonymous request is 403 AccessDenied; a signature both in header and query is 400 InvalidArgument', async () => {
      const anon = await fetch(`${t.url}/${bucket}/${encodeKeyPath(KEY)}`);
      expect(await fetchError(anon)).toMatchObject({ status: 403, code: 'AccessDenied' });
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: KEY }), { expiresIn: 300 });
      const query = url.slice(url.indexOf('?') + 1);
      const both = await rawRequest(t, { method: 'GET', path: `/${bucket}/${encodeKeyPath(KEY)}`, query });
      expect(both.status).toBe(400);
      expect(xmlFields(both.text)['Code']).toBe('InvalidArgument');
    });
  });
});

import net from 'node:net';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { EMPTY_SHA256_HEX, signV4Headers } from '@coffer/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../packages/server/src/auth/index.js';
import { errorOf, type RawRequest, rawRequest, sdkError, xmlFields } from './helpers/s3.js';
import { startTestServer, TEST_REGION, type TestServer } from './helpers/server.js';

/** aws-chunked headers for a 3-byte body with a CRC32 trailer (what the SDK sends for a stream). */
const AWS_CHUNKED = {
  'content-encoding': 'aws-chunked',
  'x-amz-decoded-content-length': '3',
  'x-amz-trailer': 'x-amz-checksum-crc32',
};
const STREAMING_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
/** CRC32 of "abc", base64. */
const CRC32_ABC = 'NSRBwg==';

/** Sends bytes exactly as given over a socket (for requests node:http would fix up) and returns the raw response. */
function socketRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(head));
    let out = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (out += d));
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
  });
}

describe('S3 errors: codes, statuses, error documents, and no 500 from bad input', () => {
  let t: TestServer;
  let s3: S3Client;
  let bucket: string;
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    bucket = t.bucketName('errors');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'abc' }));
  });
  afterAll(async () => {
    await t.close();
  });

  describe('the error document', () => {
    it('is XML with Code, Message, Resource and the RequestId of the response headers', async () => {
      const res = await rawRequest(t, { method: 'GET', path: `/${bucket}/missing/key.txt` });
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('application/xml');
      const requestId = res.headers['x-amz-request-id'];
      expect(requestId).toBe(res.headers['x-cos-request-id']);
      expect(res.text).toMatch(
        new RegExp(
          `^<\\?xml version="1.0" encoding="UTF-8"\\?>\\n<Error><Code>NoSuchKey</Code><Message>[^<]+</Message>` +
            `<Resource>${bucket}/missing/key.txt</Resource><RequestId>${requestId}</RequestId>`,
        ),
      );
      expect(res.headers['content-length']).toBe(String(res.body.length));
    });

    it('the SDK surfaces Code as the error name, with the same Message and RequestId', async () => {
      const raw = xmlFields((await rawRequest(t, { method: 'GET', path: `/${bucket}/nope` })).text);
      const err = await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'nope' })));
      expect(err.code).toBe('NoSuchKey');
      expect(err.message).toBe(raw['Message']);
      expect(err.requestId).toMatch(/^[0-9a-z]+$/);
    });

    it.each([
      ['missing key', { method: 'HEAD', path: '/BUCKET/missing' }, 404],
      ['missing bucket', { method: 'HEAD', path: '/no-such-bucket-1250000000/k' }, 404],
      ['unsatisfiable range', { method: 'HEAD', path: '/BUCKET/k', headers: { range: 'bytes=10-' } }, 416],
      ['failed If-Match', { method: 'HEAD', path: '/BUCKET/k', headers: { 'if-match': '"x"' } }, 412],
      ['anonymous', { method: 'HEAD', path: '/BUCKET/k', sign: 'none' }, 403],
      ['wrong secret', { method: 'HEAD', path: '/BUCKET/k', secretKey: 'wrong' }, 403],
    ] as const)('HEAD with an error (%s) has the status and request id but no body', async (_label, req, status) => {
      const res = await rawRequest(t, { ...req, path: req.path.replace('BUCKET', bucket) } as RawRequest);
      expect(res.status).toBe(status);
      expect(res.body.length).toBe(0);
      expect(res.headers['x-amz-request-id']).toMatch(/^[0-9a-z]+$/);
      expect(res.headers['x-cos-request-id']).toBe(res.headers['x-amz-request-id']);
    });
  });

  describe('codes and statuses through the SDK', () => {
    it('NoSuchBucket (404) beats NoSuchKey for an object in a missing bucket', async () => {
      expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: t.bucketName('gone'), Key: 'k' })))).toMatchObject({
        status: 404,
        code: 'NoSuchBucket',
      });
      expect(
        await sdkError(s3.send(new PutObjectCommand({ Bucket: t.bucketName('gone'), Key: 'k', Body: 'x' }))),
      ).toMatchObject({ status: 404, code: 'NoSuchBucket' });
    });

    it('NoSuchKey (404), InvalidBucketName (400), BucketAlreadyOwnedByYou (409)', async () => {
      expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'absent' })))).toMatchObject({
        status: 404,
        code: 'NoSuchKey',
      });
      expect(await sdkError(s3.send(new CreateBucketCommand({ Bucket: 'Invalid_Name' })))).toMatchObject({
        status: 400,
        code: 'InvalidBucketName',
      });
      expect(await sdkError(s3.send(new CreateBucketCommand({ Bucket: bucket })))).toMatchObject({
        status: 409,
        code: 'BucketAlreadyOwnedByYou',
      });
    });

    it('an invalid storage class is 400 InvalidStorageClass', async () => {
      const err = await sdkError(
        s3.send(
          // biome-ignore lint/suspicious/noExplicitAny: deliberately not one of the SDK's storage classes
          new PutObjectCommand({ Bucket: bucket, Key: 'sc', Body: 'x', StorageClass: 'PLATINUM' as any }),
        ),
      );
      expect(err).toMatchObject({ status: 400, code: 'InvalidStorageClass' });
    });

    it('a key over 1024 bytes is 400 KeyTooLongError', async () => {
      const key = 'k'.repeat(1025);
      expect(await sdkError(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' })))).toMatchObject({
        status: 400,
        code: 'KeyTooLongError',
      });
      const fits = 'é'.repeat(512); // 1024 bytes of UTF-8
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: fits, Body: 'x' }));
      expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: fits }))).ContentLength).toBe(1);
    });
  });

  describe('unknown sub-resources and methods', () => {
    it.each([
      ['PUT', '', 'website'],
      ['PUT', '', 'accelerate'],
      ['PUT', '', 'replication'],
      ['PUT', '', 'analytics'],
      ['GET', '', 'analytics'],
      ['GET', '/k', 'torrent'],
      ['GET', '', 'metrics'],
    ])('%s ?%s is 501 NotImplemented, never the plain operation', async (method, keyPath, sub) => {
      const res = await rawRequest(t, { method, path: `/${bucket}${keyPath}`, query: sub });
      const err = errorOf(res);
      expect(err).toMatchObject({ status: 501, code: 'NotImplemented' });
      expect(err.message).toContain(`?${sub}`);
      expect(res.text).not.toContain('ListBucketResult');
    });

    it.each([
      ['POST', '/BUCKET/k', 'OBJECT'],
      ['PATCH', '/BUCKET', 'BUCKET'],
      ['DELETE', '/', 'SERVICE'],
      ['PUT', '/', 'SERVICE'],
    ])('%s %s is 405 MethodNotAllowed', async (method, path, resourceType) => {
      const res = await rawRequest(t, { method, path: path.replace('BUCKET', bucket) });
      expect(errorOf(res)).toMatchObject({ status: 405, code: 'MethodNotAllowed' });
      expect(xmlFields(res.text)).toMatchObject({ Method: method, ResourceType: resourceType });
    });

    it('unknown plain query parameters (x-id, cache busters) are ignored', async () => {
      const res = await rawRequest(t, { method: 'GET', path: `/${bucket}/k`, query: 'x-id=GetObject&_=12345&foo' });
      expect(res.status).toBe(200);
      expect(res.text).toBe('abc');
    });
  });

  describe('malformed input is a 4xx, never a 500', () => {
    const cases: [label: string, request: () => RawRequest, status: number, code: string][] = [
      [
        'a response-content-type override with CR LF (it would become a response header)',
        () => ({ method: 'GET', path: `/${bucket}/k`, query: 'response-content-type=text%0d%0aX-Evil:%201' }),
        400,
        'InvalidArgument',
      ],
      [
        'bad percent-encoding in the key',
        () => ({ method: 'GET', path: `/${bucket}/%E0%A4%A`, sign: 'none' }),
        400,
        'InvalidURI',
      ],
      ['bad percent-encoding in the bucket', () => ({ method: 'GET', path: '/%FF/', sign: 'none' }), 400, 'InvalidURI'],
      [
        'bad percent-encoding in the query',
        () => ({ method: 'GET', path: `/${bucket}`, query: 'prefix=%zz', sign: 'none' }),
        400,
        'InvalidURI',
      ],
      [
        'a 1025-byte key in the path',
        () => ({ method: 'GET', path: `/${bucket}/${'k'.repeat(1025)}` }),
        400,
        'KeyTooLongError',
      ],
      [
        'Content-MD5 that is not base64',
        () => ({ method: 'PUT', path: `/${bucket}/m`, body: 'abc', headers: { 'content-md5': 'not base64!' } }),
        400,
        'InvalidDigest',
      ],
      [
        'Content-MD5 of the wrong length',
        () => ({ method: 'PUT', path: `/${bucket}/m`, body: 'abc', headers: { 'content-md5': 'AAAA' } }),
        400,
        'InvalidDigest',
      ],
      [
        'a malformed x-amz-checksum-crc32',
        () => ({ method: 'PUT', path: `/${bucket}/m`, body: 'abc', headers: { 'x-amz-checksum-crc32': '!!!' } }),
        400,
        'InvalidRequest',
      ],
      [
        'an unknown x-amz-sdk-checksum-algorithm',
        () => ({
          method: 'PUT',
          path: `/${bucket}/m`,
          body: 'abc',
          headers: { 'x-amz-sdk-checksum-algorithm': 'MD4' },
        }),
        400,
        'InvalidRequest',
      ],
      [
        'x-amz-content-sha256 not matching the body',
        () => ({ method: 'PUT', path: `/${bucket}/m`, body: 'abc', payloadHash: 'a'.repeat(64) }),
        400,
        'XAmzContentSHA256Mismatch',
      ],
      [
        'x-amz-content-sha256 that is no hash at all',
        () => ({ method: 'PUT', path: `/${bucket}/m`, body: 'abc', payloadHash: 'garbage' }),
        400,
        'InvalidArgument',
      ],
      [
        'aws-chunked with a bad chunk size',
        () => ({
          method: 'PUT',
          path: `/${bucket}/m`,
          body: 'zz\r\nabc',
          headers: AWS_CHUNKED,
          payloadHash: STREAMING_TRAILER,
        }),
        400,
        'InvalidRequest',
      ],
      [
        'aws-chunked with a wrong CRC32 trailer',
        () => ({
          method: 'PUT',
          path: `/${bucket}/m`,
          body: '3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n',
          headers: AWS_CHUNKED,
          payloadHash: STREAMING_TRAILER,
        }),
        400,
        'BadDigest',
      ],
      [
        'aws-chunked shorter than x-amz-decoded-content-length',
        () => ({
          method: 'PUT',
          path: `/${bucket}/m`,
          body: `2\r\nab\r\n0\r\nx-amz-checksum-crc32:${CRC32_ABC}\r\n\r\n`,
          headers: AWS_CHUNKED,
          payloadHash: STREAMING_TRAILER,
        }),
        400,
        'IncompleteBody',
      ],
      [
        'a non-numeric x-amz-decoded-content-length',
        () => ({
          method: 'PUT',
          path: `/${bucket}/m`,
          body: '3\r\nabc\r\n0\r\n\r\n',
          headers: { ...AWS_CHUNKED, 'x-amz-decoded-content-length': 'x' },
          payloadHash: STREAMING_TRAILER,
        }),
        400,
        'InvalidArgument',
      ],
      [
        'a truncated SigV4 Authorization header',
        () => ({
          method: 'GET',
          path: `/${bucket}`,
          sign: 'none',
          headers: { authorization: 'AWS4-HMAC-SHA256 garbage' },
        }),
        400,
        'AuthorizationHeaderMalformed',
      ],
      [
        'an unsupported Authorization scheme',
        () => ({ method: 'GET', path: `/${bucket}`, sign: 'none', headers: { authorization: 'Bearer abc' } }),
        400,
        'InvalidArgument',
      ],
      [
        'a SigV2 header without a colon',
        () => ({
          method: 'GET',
          path: `/${bucket}`,
          sign: 'none',
          headers: { authorization: 'AWS nocolon', date: new Date().toUTCString() },
        }),
        400,
        'InvalidArgument',
      ],
      [
        'an unparseable x-amz-date',
        () => ({
          method: 'GET',
          path: `/${bucket}`,
          sign: 'none',
          headers: {
            authorization: `AWS4-HMAC-SHA256 Credential=${t.secretId}/20200101/${TEST_REGION}/s3/aws4_request, SignedHeaders=host, Signature=abc`,
            'x-amz-date': 'yesterday',
          },
        }),
        403,
        'AccessDenied',
      ],
      [
        'a negative X-Amz-Expires',
        () => ({
          method: 'GET',
          path: `/${bucket}`,
          sign: 'none',
          query: `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${t.secretId}%2F20200101%2F${TEST_REGION}%2Fs3%2Faws4_request&X-Amz-Date=20200101T000000Z&X-Amz-Expires=-5&X-Amz-SignedHeaders=host&X-Amz-Signature=abc`,
        }),
        400,
        'AuthorizationQueryParametersError',
      ],
      [
        'malformed CreateBucketConfiguration XML',
        () => ({ method: 'PUT', path: `/${t.bucketName('xml')}`, body: '<CreateBucketConfiguration><Location' }),
        400,
        'MalformedXML',
      ],
      [
        'a CreateBucket body over 64 KB',
        () => ({
          method: 'PUT',
          path: `/${t.bucketName('huge')}`,
          body: `<CreateBucketConfiguration>${' '.repeat(70_000)}</CreateBucketConfiguration>`,
        }),
        400,
        'MaxMessageLengthExceeded',
      ],
      [
        'an empty versionId',
        () => ({ method: 'GET', path: `/${bucket}/k`, query: 'versionId=' }),
        400,
        'InvalidArgument',
      ],
      [
        'an unknown versionId',
        () => ({ method: 'GET', path: `/${bucket}/k`, query: 'versionId=no-such-version' }),
        404,
        'NoSuchVersion',
      ],
    ];

    it.each(cases)('%s → %i %s', async (_label, request, status, code) => {
      const res = await rawRequest(t, request());
      expect(errorOf(res)).toMatchObject({ status, code });
    });

    it('the object written before all that is untouched', async () => {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
      expect(await got.Body!.transformToString()).toBe('abc');
      expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'm' })))).toMatchObject({
        status: 404,
      });
    });

    it('a correct aws-chunked body with a CRC32 trailer (the control case) is stored', async () => {
      const res = await rawRequest(t, {
        method: 'PUT',
        path: `/${bucket}/chunked`,
        body: `3\r\nabc\r\n0\r\nx-amz-checksum-crc32:${CRC32_ABC}\r\n\r\n`,
        headers: AWS_CHUNKED,
        payloadHash: STREAMING_TRAILER,
      });
      expect(res.status).toBe(200);
      expect(res.headers['x-amz-checksum-crc32']).toBe(CRC32_ABC);
      const got = await rawRequest(t, { method: 'GET', path: `/${bucket}/chunked` });
      expect(got.text).toBe('abc');
      expect(got.headers['content-encoding']).toBeUndefined();
    });

    it('a PUT with neither Content-Length nor Transfer-Encoding is 411 MissingContentLength', async () => {
      const host = `127.0.0.1:${t.port}`;
      const { headers } = signV4Headers(
        { method: 'PUT', path: `/${bucket}/nolength`, headers: { host }, payloadHash: EMPTY_SHA256_HEX },
        { credentials: { accessKeyId: t.secretId, secretKey: t.secretKey }, region: TEST_REGION, nowMs: Date.now() },
        nodeCrypto,
      );
      const head = Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      const response = await socketRequest(
        t.port,
        `PUT /${bucket}/nolength HTTP/1.1\r\n${head}connection: close\r\n\r\n`,
      );
      expect(response.startsWith('HTTP/1.1 411 ')).toBe(true);
      expect(response).toContain('<Code>MissingContentLength</Code>');
    });
  });
});

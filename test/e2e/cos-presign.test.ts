/**
 * COS presigned URLs (q-sign in the query) made by cos-nodejs-sdk-v5's getObjectUrl and fetched
 * with plain HTTP: GET and PUT, response-content-disposition, unsigned URLs (refused on a private
 * bucket), tampering, and expiry ("Request has expired",
 * https://intl.cloud.tencent.com/document/product/436/10687).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COS_MODES, fetchUrl, md5Hex, REGION } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const BODY = 'presigned content';
const KEY = 'dir/shared file(1).txt';

/** The text of one element of an error document. */
function xmlField(body: Buffer, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(body.toString('utf8'))?.[1];
}

function expectXmlError(
  res: { status: number; headers: Headers; body: Buffer },
  status: number,
  code: string,
  message?: string,
): void {
  expect(res.status).toBe(status);
  expect(xmlField(res.body, 'Code')).toBe(code);
  expect(xmlField(res.body, 'RequestId')).toBe(res.headers.get('x-cos-request-id'));
  if (message !== undefined) expect(xmlField(res.body, 'Message')).toBe(message);
}

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

describe.each(COS_MODES)('cos-nodejs-sdk-v5 getObjectUrl, %s style', (mode) => {
  const Bucket = `presign${mode}-1250000000`;
  beforeAll(async () => {
    const cos = t.cos(mode);
    await cos.putBucket({ Bucket, Region: REGION });
    await cos.putObject({ Bucket, Region: REGION, Key: KEY, Body: BODY, ContentType: 'text/plain' });
  });

  it('Sign: true gives a q-sign URL that a plain GET can fetch', async () => {
    const url = t.cos(mode).getObjectUrl({ Bucket, Region: REGION, Key: KEY, Sign: true });
    const query = new URL(url).searchParams;
    expect(query.get('q-sign-algorithm')).toBe('sha1');
    expect(query.get('q-ak')).toBe(t.secretId);
    expect(query.get('q-header-list')).toBe('host');
    const res = await fetchUrl(t, mode, url);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(BODY);
    expect(res.headers.get('etag')).toBe(`"${md5Hex(BODY)}"`);
    expect(res.headers.get('content-type')).toBe('text/plain');
  });

  it('COS API FAQ: response-content-disposition=attachment in Query is signed and applied', async () => {
    const url = t.cos(mode).getObjectUrl({
      Bucket,
      Region: REGION,
      Key: KEY,
      Sign: true,
      Query: { 'response-content-disposition': 'attachment' },
    });
    expect(new URL(url).searchParams.get('q-url-param-list')).toBe('response-content-disposition');
    const res = await fetchUrl(t, mode, url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment');
    expect(res.body.toString()).toBe(BODY);
  });

  it('the callback form (q-url-param-list encoded, ";" as %3b) works too', async () => {
    const url = await new Promise<string>((resolve, reject) =>
      t.cos(mode).getObjectUrl(
        {
          Bucket,
          Region: REGION,
          Key: KEY,
          Sign: true,
          Query: { 'response-content-type': 'application/x-download', 'response-cache-control': 'no-store' },
        },
        (err, data) => (err ? reject(err) : resolve(data.Url)),
      ),
    );
    expect(url).toContain('q-url-param-list=response-cache-control%3bresponse-content-type&');
    const res = await fetchUrl(t, mode, url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-download');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('Sign: false is refused with 403 AccessDenied on a private bucket', async () => {
    const url = t.cos(mode).getObjectUrl({ Bucket, Region: REGION, Key: KEY, Sign: false });
    expect(new URL(url).search).toBe('');
    const res = await fetchUrl(t, mode, url);
    expectXmlError(res, 403, 'AccessDenied');
    expect(res.body.toString()).not.toContain(BODY);
  });

  it('a URL signed for one key does not open another (403 SignatureDoesNotMatch)', async () => {
    const url = t.cos(mode).getObjectUrl({ Bucket, Region: REGION, Key: KEY, Sign: true });
    const other = url.replace('shared%20file', 'other%20file');
    expect(other).not.toBe(url);
    expectXmlError(await fetchUrl(t, mode, other), 403, 'SignatureDoesNotMatch');
  });

  it('a signed response-* parameter cannot be changed after signing (403 SignatureDoesNotMatch)', async () => {
    const url = t.cos(mode).getObjectUrl({
      Bucket,
      Region: REGION,
      Key: KEY,
      Sign: true,
      Query: { 'response-content-disposition': 'inline' },
    });
    const tampered = url.replace('response-content-disposition=inline', 'response-content-disposition=attachment');
    expect(tampered).not.toBe(url);
    expectXmlError(await fetchUrl(t, mode, tampered), 403, 'SignatureDoesNotMatch');
  });
});

describe('cos-nodejs-sdk-v5 getObjectUrl for PUT', () => {
  it('a URL signed with Method PUT uploads with a plain fetch PUT', async () => {
    const cos = t.cos('vhost');
    const Bucket = t.bucketName('presignput');
    await cos.putBucket({ Bucket, Region: REGION });
    const url = cos.getObjectUrl({ Bucket, Region: REGION, Key: 'upload.bin', Sign: true, Method: 'PUT' });
    const body = Buffer.from([1, 2, 3, 250, 251]);
    const res = await fetch(url, { method: 'PUT', body });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(`"${md5Hex(body)}"`);
    const got = await cos.getObject({ Bucket, Region: REGION, Key: 'upload.bin' });
    expect(Buffer.compare(got.Body as Buffer, body)).toBe(0);
  });

  it('a URL signed for GET does not allow a PUT', async () => {
    const cos = t.cos('vhost');
    const Bucket = t.bucketName('presignget');
    await cos.putBucket({ Bucket, Region: REGION });
    const url = cos.getObjectUrl({ Bucket, Region: REGION, Key: 'nope.bin', Sign: true });
    const res = await fetch(url, { method: 'PUT', body: 'x' });
    expectXmlError(
      { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) },
      403,
      'SignatureDoesNotMatch',
    );
  });
});

describe('cos-nodejs-sdk-v5 getObjectUrl expiry', () => {
  // A server two minutes ahead of the client: a URL signed for 60 s arrives after it expired.
  let late: TestServer;
  beforeAll(async () => {
    late = await startTestServer({ authClock: { nowMs: () => Date.now() + 120_000 } });
  });
  afterAll(async () => {
    await late.close();
  });

  it.each(['path', 'vhost'] as const)(
    'a URL used after its Expires is 403 AccessDenied "Request has expired" (%s style)',
    async (mode) => {
      const Bucket = late.bucketName('expiry');
      const cos = late.cos(mode);
      await cos.putBucket({ Bucket, Region: REGION });
      await cos.putObject({ Bucket, Region: REGION, Key: KEY, Body: BODY });

      const expired = cos.getObjectUrl({ Bucket, Region: REGION, Key: KEY, Sign: true, Expires: 60 });
      const res = await fetchUrl(late, mode, expired);
      expectXmlError(res, 403, 'AccessDenied', 'Request has expired');
      expect(xmlField(res.body, 'Resource')).toBe(`${Bucket}/${KEY}`);
      expect(res.body.toString()).not.toContain(BODY);

      const valid = cos.getObjectUrl({ Bucket, Region: REGION, Key: KEY, Sign: true, Expires: 600 });
      const ok = await fetchUrl(late, mode, valid);
      expect(ok.status).toBe(200);
      expect(ok.body.toString()).toBe(BODY);
    },
  );
});

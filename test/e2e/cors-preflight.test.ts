/**
 * CORS at request time: OPTIONS Object preflights (https://intl.cloud.tencent.com/document/product/436/8288) through
 * cos-nodejs-sdk-v5's optionsObject and plain fetch, wildcard origins and
 * headers, and the CORS headers (with Vary: Origin) on actual responses, errors included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let bucket: string;
let bare: string;

beforeAll(async () => {
  t = await startTestServer();
  bucket = t.bucketName('corspre');
  bare = t.bucketName('corsnone');
  const cos = t.cos();
  await cos.putBucket({ Bucket: bucket, Region: REGION, ACL: 'public-read' });
  await cos.putBucket({ Bucket: bare, Region: REGION, ACL: 'public-read' });
  await cos.putObject({ Bucket: bucket, Region: REGION, Key: 'hello.txt', Body: 'hello' });
  await cos.putBucketCors({
    Bucket: bucket,
    Region: REGION,
    CORSRules: [
      {
        AllowedOrigin: ['https://app.example.com', 'http://*.example.com'],
        AllowedMethod: ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'],
        AllowedHeader: ['content-type', 'x-cos-*'],
        ExposeHeader: ['x-cos-meta-color'],
        MaxAgeSeconds: 600,
      },
      { AllowedOrigin: ['*'], AllowedMethod: ['GET'] },
    ],
  });
});
afterAll(async () => {
  await t?.close();
});

function preflight(b: string, key: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${t.url}/${b}/${key}`, { method: 'OPTIONS', headers });
}

describe('cos-nodejs-sdk-v5 optionsObject', () => {
  it('a matching rule returns its Access-Control-* headers', async () => {
    const data = await t.cos().optionsObject({
      Bucket: bucket,
      Region: REGION,
      Key: 'hello.txt',
      Origin: 'https://app.example.com',
      AccessControlRequestMethod: 'PUT',
      AccessControlRequestHeaders: 'content-type,x-cos-meta-color',
    });
    expect(data.statusCode).toBe(200);
    expect(data.AccessControlAllowOrigin).toBe('https://app.example.com');
    expect(data.AccessControlAllowMethods).toBe('GET,PUT,POST,DELETE,HEAD');
    expect(data.AccessControlAllowHeaders).toBe('content-type,x-cos-meta-color');
    expect(data.AccessControlExposeHeaders?.split(',')).toEqual(
      expect.arrayContaining(['x-cos-meta-color', 'ETag', 'Content-Length', 'x-cos-request-id']),
    );
    expect(data.AccessControlMaxAge).toBe('600');
  });

  it('no matching rule, or no CORS configuration at all, is 403 → OptionsForbidden', async () => {
    const denied = await t.cos().optionsObject({
      Bucket: bucket,
      Region: REGION,
      Key: 'hello.txt',
      Origin: 'https://evil.example.net',
      AccessControlRequestMethod: 'PUT',
      AccessControlRequestHeaders: '',
    });
    expect(denied).toMatchObject({ OptionsForbidden: true, statusCode: 403 });
    const none = await t.cos().optionsObject({
      Bucket: bare,
      Region: REGION,
      Key: 'hello.txt',
      Origin: 'https://app.example.com',
      AccessControlRequestMethod: 'GET',
      AccessControlRequestHeaders: '',
    });
    expect(none).toMatchObject({ OptionsForbidden: true, statusCode: 403 });
  });
});

describe('preflight over plain (unsigned) HTTP', () => {
  it('wildcard origin subdomains and wildcard headers match; credentials are allowed for a named origin', async () => {
    const res = await preflight(bucket, 'any/key', {
      origin: 'http://static.example.com',
      'access-control-request-method': 'DELETE',
      'access-control-request-headers': 'X-Cos-Meta-Color, Content-Type',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://static.example.com');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-headers')).toBe('x-cos-meta-color,content-type');
    expect(res.headers.get('vary')).toBe('Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
  });

  it('a `*` rule answers `*`; the first rule that allows everything asked for wins', async () => {
    const res = await preflight(bucket, 'hello.txt', {
      origin: 'https://elsewhere.test',
      'access-control-request-method': 'GET',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toBe('GET');
  });

  it('a header no rule allows, a method no rule allows, an https origin for an http rule: 403', async () => {
    const cases: Record<string, string>[] = [
      {
        origin: 'https://app.example.com',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'authorization',
      },
      { origin: 'https://elsewhere.test', 'access-control-request-method': 'PUT' },
      { origin: 'https://static.example.com', 'access-control-request-method': 'DELETE' },
    ];
    for (const headers of cases) {
      const res = await preflight(bucket, 'hello.txt', headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(await res.text()).toContain('<Code>AccessDenied</Code>');
    }
  });

  it('a preflight of any sub-resource (an UploadPart URL, the bucket itself) is answered from the rules', async () => {
    const headers = { origin: 'https://app.example.com', 'access-control-request-method': 'PUT' };
    const part = await fetch(`${t.url}/${bucket}/big.bin?partNumber=1&uploadId=abc`, { method: 'OPTIONS', headers });
    expect(part.status).toBe(200);
    const root = await fetch(`${t.url}/${bucket}/?uploads`, { method: 'OPTIONS', headers });
    expect(root.status).toBe(200);
  });

  it('without Access-Control-Request-Method it is 400; on a missing bucket 404', async () => {
    expect((await preflight(bucket, 'x', { origin: 'https://app.example.com' })).status).toBe(400);
    const missing = await preflight(t.bucketName('gone'), 'x', {
      origin: 'https://app.example.com',
      'access-control-request-method': 'GET',
    });
    expect(missing.status).toBe(404);
  });
});

describe('CORS headers on actual responses', () => {
  it('a GET from an allowed origin carries the rule headers and Vary: Origin', async () => {
    const res = await fetch(`${t.url}/${bucket}/hello.txt`, { headers: { origin: 'https://app.example.com' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello');
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('access-control-expose-headers')).toContain('ETag');
    expect(res.headers.get('vary')).toBe('Origin');
  });

  it('an error response (404 NoSuchKey) carries them too, so the page can read it', async () => {
    const res = await fetch(`${t.url}/${bucket}/missing.txt`, { headers: { origin: 'https://app.example.com' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('vary')).toBe('Origin');
    expect(await res.text()).toContain('<Code>NoSuchKey</Code>');
  });

  it('an origin no rule allows gets only Vary: Origin; no Origin, or no configuration, gets nothing', async () => {
    const other = await fetch(`${t.url}/${bucket}/hello.txt`, {
      method: 'HEAD',
      headers: { origin: 'https://elsewhere.test' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('vary')).toBe('Origin');
    const plain = await fetch(`${t.url}/${bucket}/hello.txt`);
    expect(plain.headers.get('vary')).toBeNull();
    await t.cos().putObject({ Bucket: bare, Region: REGION, Key: 'hello.txt', Body: 'hello' });
    const none = await fetch(`${t.url}/${bare}/hello.txt`, { headers: { origin: 'https://app.example.com' } });
    expect(none.status).toBe(200);
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
    expect(none.headers.get('vary')).toBeNull();
  });
});

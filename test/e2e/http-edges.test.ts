/**
 * HTTP-level edges Ceph's s3-tests (test_headers.py) probe: a body that stops arriving is 400
 * RequestTimeout (not a request held open for good), Expect values other than 100-continue are
 * ignored (not Node's 417), and an empty Content-MD5 is InvalidDigest. Nothing is stored by a
 * refused request.
 */
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('HTTP edges', () => {
  let t: TestServer;
  const Bucket = 'http-edges-1250000000';
  beforeAll(async () => {
    t = await startTestServer({ config: { bodyIdleTimeoutMs: '300' } });
    await t.s3().send(new CreateBucketCommand({ Bucket }));
  });
  afterAll(async () => {
    await t?.close();
  });

  const head = (Key: string) => sdkError(t.s3().send(new HeadObjectCommand({ Bucket, Key })));

  it('a body shorter than its Content-Length times out as 400 RequestTimeout, and stores nothing', async () => {
    const started = Date.now();
    const res = await rawRequest(t, {
      method: 'PUT',
      path: `/${Bucket}/stalled`,
      headers: { 'content-length': '4' },
      body: 'bar',
      payloadHash: 'UNSIGNED-PAYLOAD',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>RequestTimeout</Code>');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await head('stalled')).toMatchObject({ status: 404 });
  });

  it('Expect: (empty) and Expect: 200 are ignored: the PUT succeeds', async () => {
    for (const [Key, expectValue] of [
      ['expect-empty', ''],
      ['expect-200', '200'],
    ] as const) {
      const res = await rawRequest(t, {
        method: 'PUT',
        path: `/${Bucket}/${Key}`,
        headers: { expect: expectValue },
        body: 'bar',
      });
      expect(res.status, `Expect: ${expectValue}`).toBe(200);
    }
  });

  it('an empty Content-MD5 is 400 InvalidDigest', async () => {
    const res = await rawRequest(t, {
      method: 'PUT',
      path: `/${Bucket}/md5-empty`,
      headers: { 'content-md5': '' },
      body: 'bar',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>InvalidDigest</Code>');
    expect(await head('md5-empty')).toMatchObject({ status: 404 });
  });
});

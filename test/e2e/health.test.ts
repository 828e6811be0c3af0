import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('server basics', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers /-/health without credentials', async () => {
    const res = await fetch(`${t.url}/-/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('x-cos-request-id')).toBeTruthy();
  });

  it('refuses anonymous requests with AccessDenied XML', async () => {
    const res = await fetch(`${t.url}/`);
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).toContain('<Code>AccessDenied</Code>');
    expect(body).toContain(`<RequestId>${res.headers.get('x-cos-request-id')}</RequestId>`);
  });

  it('serves both clients against one bucket', async () => {
    const bucket = t.bucketName();
    const cos = t.cos('vhost');
    await cos.putBucket({ Bucket: bucket, Region: 'ap-guangzhou' });
    await cos.putObject({ Bucket: bucket, Region: 'ap-guangzhou', Key: 'k', Body: 'v' });
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const listed = await t.s3().send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['k']);
  });
});

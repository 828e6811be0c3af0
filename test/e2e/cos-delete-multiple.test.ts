/**
 * deleteMultipleObject (POST ?delete) through cos-nodejs-sdk-v5: the COS JS SDK example, Quiet mode,
 * and the COS API FAQ case (https://intl.cloud.tencent.com/document/product/436/10687): a key written with a leading
 * '/' "succeeds" but deletes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COS_MODES, cosError, expectCosError, REGION } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

/** A key the XML body has to escape. */
const XML_KEY = 'a&b<c>"d\'.txt';

async function keysOf(mode: (typeof COS_MODES)[number], Bucket: string): Promise<string[]> {
  const data = await t.cos(mode).getBucket({ Bucket, Region: REGION });
  return data.Contents.map((c) => c.Key);
}

describe.each(COS_MODES)('cos-nodejs-sdk-v5 deleteMultipleObject, %s style', (mode) => {
  const Bucket = `multidelete${mode}-1250000000`;
  beforeAll(async () => {
    await t.cos(mode).putBucket({ Bucket, Region: REGION });
  });

  it('COS JS SDK example: deletes the listed keys and reports each in Deleted', async () => {
    const cos = t.cos(mode);
    for (const Key of ['picture.jpg', '2.zip', 'keep.txt'])
      await cos.putObject({ Bucket, Region: REGION, Key, Body: Key });
    const data = await cos.deleteMultipleObject({
      Bucket,
      Region: REGION,
      Objects: [{ Key: 'picture.jpg' }, { Key: '2.zip' }],
    });
    expect(data.statusCode).toBe(200);
    expect(data.Deleted).toEqual([{ Key: 'picture.jpg' }, { Key: '2.zip' }]);
    expect(data.Error).toEqual([]);
    expect(await keysOf(mode, Bucket)).toEqual(['keep.txt']);
    await cos.deleteObject({ Bucket, Region: REGION, Key: 'keep.txt' });
  });

  it('Quiet: true reports no successes', async () => {
    const cos = t.cos(mode);
    await cos.putObject({ Bucket, Region: REGION, Key: 'q1', Body: '1' });
    await cos.putObject({ Bucket, Region: REGION, Key: 'q2', Body: '2' });
    const data = await cos.deleteMultipleObject({
      Bucket,
      Region: REGION,
      Quiet: true,
      Objects: [{ Key: 'q1' }, { Key: 'q2' }],
    });
    expect(data.statusCode).toBe(200);
    expect(data.Deleted).toEqual([]);
    expect(data.Error).toEqual([]);
    expect(await keysOf(mode, Bucket)).toEqual([]);
  });

  it('COS API FAQ: a key with a leading "/" is reported deleted while the object is NOT deleted', async () => {
    const cos = t.cos(mode);
    await cos.putObject({ Bucket, Region: REGION, Key: 'folder/file.txt', Body: 'still here' });
    const data = await cos.deleteMultipleObject({
      Bucket,
      Region: REGION,
      Objects: [{ Key: '/folder/file.txt' }],
    });
    expect(data.statusCode).toBe(200);
    expect(data.Deleted).toEqual([{ Key: '/folder/file.txt' }]);
    expect(data.Error).toEqual([]);
    const got = await cos.getObject({ Bucket, Region: REGION, Key: 'folder/file.txt' });
    expect(got.Body?.toString()).toBe('still here');

    // Without the '/', as the FAQ advises, it is deleted.
    await cos.deleteMultipleObject({ Bucket, Region: REGION, Objects: [{ Key: 'folder/file.txt' }] });
    expect(await keysOf(mode, Bucket)).toEqual([]);
  });
});

describe('cos-nodejs-sdk-v5 deleteMultipleObject edge cases', () => {
  const Bucket = 'multidelete-edges-1250000000';
  beforeAll(async () => {
    await t.cos('path').putBucket({ Bucket, Region: REGION });
  });

  it('keys that do not exist are reported as deleted (S3 and COS semantics)', async () => {
    const data = await t
      .cos('path')
      .deleteMultipleObject({ Bucket, Region: REGION, Objects: [{ Key: 'never-existed' }] });
    expect(data.Deleted).toEqual([{ Key: 'never-existed' }]);
    expect(data.Error).toEqual([]);
  });

  it('keys with XML special characters round-trip through the request and the result', async () => {
    const cos = t.cos('vhost');
    await cos.putObject({ Bucket, Region: REGION, Key: XML_KEY, Body: 'x' });
    expect(await keysOf('vhost', Bucket)).toEqual([XML_KEY]);
    const data = await cos.deleteMultipleObject({ Bucket, Region: REGION, Objects: [{ Key: XML_KEY }] });
    expect(data.Deleted).toEqual([{ Key: XML_KEY }]);
    expect(await keysOf('vhost', Bucket)).toEqual([]);
  });

  it('1000 keys are allowed; 1001 are 400 MalformedXML', async () => {
    const cos = t.cos('path');
    const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}` }));
    const ok = await cos.deleteMultipleObject({ Bucket, Region: REGION, Quiet: true, Objects: keys(1000) });
    expect(ok.statusCode).toBe(200);
    const err = await cosError(cos.deleteMultipleObject({ Bucket, Region: REGION, Objects: keys(1001) }));
    expectCosError(err, { statusCode: 400, code: 'MalformedXML', resource: Bucket });
  });

  it('a missing bucket is 404 NoSuchBucket', async () => {
    const missing = t.bucketName('missing');
    const err = await cosError(
      t.cos('ip').deleteMultipleObject({ Bucket: missing, Region: REGION, Objects: [{ Key: 'k' }] }),
    );
    expectCosError(err, { statusCode: 404, code: 'NoSuchBucket', resource: missing });
  });
});

/**
 * Object tags through cos-nodejs-sdk-v5 (putObjectTagging, getObjectTagging, deleteObjectTagging),
 * in each of the SDK's three addressing modes, with VersionId on a versioned bucket and
 * x-cos-version-id in the answers, and the error shapes the SDK sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COS_MODES, cosError, expectCosError, REGION } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

describe.each(COS_MODES)('%s style', (mode) => {
  let Bucket: string;
  beforeAll(async () => {
    Bucket = t.bucketName(`tagcos${mode}`);
    await t.cos(mode).putBucket({ Bucket, Region: REGION });
    await t.cos(mode).putObject({ Bucket, Region: REGION, Key: 'dir/file name.txt', Body: Buffer.from('hello') });
  });

  it('getObjectTagging of an object without tags is Tags: [] (200)', async () => {
    const got = await t.cos(mode).getObjectTagging({ Bucket, Region: REGION, Key: 'dir/file name.txt' });
    expect(got.statusCode).toBe(200);
    expect(got.Tags).toEqual([]);
  });

  it('putObjectTagging then getObjectTagging round-trips; deleteObjectTagging clears', async () => {
    const cos = t.cos(mode);
    const Key = 'dir/file name.txt';
    const Tags = [
      { Key: 'kind', Value: 'text' },
      { Key: '标签', Value: '值 1' },
    ];
    const put = await cos.putObjectTagging({ Bucket, Region: REGION, Key, Tags });
    expect(put.statusCode).toBe(200);
    expect((await cos.getObjectTagging({ Bucket, Region: REGION, Key })).Tags).toEqual(Tags);
    await cos.putObjectTagging({ Bucket, Region: REGION, Key, Tags: [{ Key: 'single', Value: 'one' }] });
    expect((await cos.getObjectTagging({ Bucket, Region: REGION, Key })).Tags).toEqual([
      { Key: 'single', Value: 'one' },
    ]);
    const del = await cos.deleteObjectTagging({ Bucket, Region: REGION, Key });
    expect(del.statusCode).toBe(204);
    expect((await cos.getObjectTagging({ Bucket, Region: REGION, Key })).Tags).toEqual([]);
  });

  it('errors: NoSuchKey for a missing object, InvalidTag for 11 tags', async () => {
    const cos = t.cos(mode);
    expectCosError(await cosError(cos.getObjectTagging({ Bucket, Region: REGION, Key: 'missing' })), {
      statusCode: 404,
      code: 'NoSuchKey',
    });
    const Tags = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expectCosError(await cosError(cos.putObjectTagging({ Bucket, Region: REGION, Key: 'dir/file name.txt', Tags })), {
      statusCode: 400,
      code: 'InvalidTag',
    });
  });
});

describe('versions', () => {
  it('VersionId names the version; the answers carry x-cos-version-id', async () => {
    const cos = t.cos('path');
    const Bucket = t.bucketName('tagcosver');
    await cos.putBucket({ Bucket, Region: REGION });
    await cos.putBucketVersioning({ Bucket, Region: REGION, VersioningConfiguration: { Status: 'Enabled' } });
    const Key = 'v.txt';
    const v1 = (await cos.putObject({ Bucket, Region: REGION, Key, Body: Buffer.from('1') })).VersionId!;
    const v2 = (await cos.putObject({ Bucket, Region: REGION, Key, Body: Buffer.from('2') })).VersionId!;
    // The SDK sends VersionId as ?versionId for all three, though its typings name it on put only.
    const first = { Bucket, Region: REGION, Key, VersionId: v1 };
    const put = await cos.putObjectTagging({ ...first, Tags: [{ Key: 'v', Value: '1' }] });
    expect(put.headers?.['x-cos-version-id']).toBe(v1);
    const old = await cos.getObjectTagging(first);
    expect(old.Tags).toEqual([{ Key: 'v', Value: '1' }]);
    expect(old.headers?.['x-cos-version-id']).toBe(v1);
    const latest = await cos.getObjectTagging({ Bucket, Region: REGION, Key });
    expect(latest.Tags).toEqual([]);
    expect(latest.headers?.['x-cos-version-id']).toBe(v2);
    const del = await cos.deleteObjectTagging(first);
    expect(del.headers?.['x-cos-version-id']).toBe(v1);
    expect((await cos.getObjectTagging(first)).Tags).toEqual([]);
  });
});

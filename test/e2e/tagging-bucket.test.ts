/**
 * Bucket tags (PUT/GET/DELETE ?tagging) through @aws-sdk/client-s3 and cos-nodejs-sdk-v5: round
 * trips, replacement, the 404 NoSuchTagSet of a bucket without tags (which the COS SDK turns into
 * `Tags: []`), and that bucket tags are not object tags.
 */
import {
  CreateBucketCommand,
  DeleteBucketTaggingCommand,
  GetBucketTaggingCommand,
  GetObjectTaggingCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosError, expectCosError, REGION } from './helpers/cos.js';
import { sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestServer();
  s3 = t.s3();
});
afterAll(async () => {
  await t?.close();
});

describe('@aws-sdk/client-s3', () => {
  let Bucket: string;
  beforeAll(async () => {
    Bucket = t.bucketName('tagbkt');
    await s3.send(new CreateBucketCommand({ Bucket }));
  });

  it('GetBucketTagging on a bucket without tags is 404 NoSuchTagSet', async () => {
    expect(await sdkError(s3.send(new GetBucketTaggingCommand({ Bucket })))).toMatchObject({
      status: 404,
      code: 'NoSuchTagSet',
    });
  });

  it('PutBucketTagging sets the whole set (204), a second one replaces it, and objects do not inherit it', async () => {
    const TagSet = [
      { Key: 'cost-center', Value: '42' },
      { Key: 'owner', Value: 'storage team' },
      { Key: 'empty', Value: '' },
    ];
    const put = await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet } }));
    expect(put.$metadata.httpStatusCode).toBe(204);
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet).toEqual(TagSet);
    await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'only', Value: 'this' }] } }));
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet).toEqual([{ Key: 'only', Value: 'this' }]);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'obj', Body: 'x' }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'obj' }))).TagSet).toEqual([]);
  });

  it('DeleteBucketTagging (204) removes them; deleting again is harmless; an empty TagSet leaves none either', async () => {
    const del = await s3.send(new DeleteBucketTaggingCommand({ Bucket }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    expect((await sdkError(s3.send(new GetBucketTaggingCommand({ Bucket })))).code).toBe('NoSuchTagSet');
    await s3.send(new DeleteBucketTaggingCommand({ Bucket }));
    await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } }));
    await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [] } }));
    expect((await sdkError(s3.send(new GetBucketTaggingCommand({ Bucket })))).code).toBe('NoSuchTagSet');
  });

  it('a bucket that does not exist is 404 NoSuchBucket', async () => {
    const missing = t.bucketName('tagnobkt');
    expect(await sdkError(s3.send(new GetBucketTaggingCommand({ Bucket: missing })))).toMatchObject({
      status: 404,
      code: 'NoSuchBucket',
    });
    expect(
      await sdkError(
        s3.send(new PutBucketTaggingCommand({ Bucket: missing, Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } })),
      ),
    ).toMatchObject({ status: 404, code: 'NoSuchBucket' });
  });
});

describe('cos-nodejs-sdk-v5', () => {
  let Bucket: string;
  beforeAll(async () => {
    Bucket = t.bucketName('tagbktcos');
    await t.cos().putBucket({ Bucket, Region: REGION });
  });

  it('getBucketTagging on a bucket without tags resolves to Tags: [] (from 404 NoSuchTagSet)', async () => {
    const got = await t.cos().getBucketTagging({ Bucket, Region: REGION });
    expect(got.statusCode).toBe(404);
    expect(got.Tags).toEqual([]);
  });

  it('putBucketTagging then getBucketTagging round-trips the tags; deleteBucketTagging removes them', async () => {
    const Tags = [
      { Key: 'env', Value: 'test' },
      { Key: '部门', Value: '存储' },
    ];
    await t.cos().putBucketTagging({ Bucket, Region: REGION, Tags });
    expect((await t.cos('vhost').getBucketTagging({ Bucket, Region: REGION })).Tags).toEqual(Tags);
    // A single tag comes back as a one-element array too.
    await t.cos('ip').putBucketTagging({ Bucket, Region: REGION, Tags: [{ Key: 'one', Value: '1' }] });
    expect((await t.cos().getBucketTagging({ Bucket, Region: REGION })).Tags).toEqual([{ Key: 'one', Value: '1' }]);
    const del = await t.cos().deleteBucketTagging({ Bucket, Region: REGION });
    expect(del.statusCode).toBe(204);
    expect((await t.cos().getBucketTagging({ Bucket, Region: REGION })).Tags).toEqual([]);
  });

  it('more than 50 tags is 400 InvalidTag', async () => {
    const Tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expectCosError(await cosError(t.cos().putBucketTagging({ Bucket, Region: REGION, Tags })), {
      statusCode: 400,
      code: 'InvalidTag',
    });
  });
});

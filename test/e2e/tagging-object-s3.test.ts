/**
 * Object tags through @aws-sdk/client-s3: PutObjectTagging / GetObjectTagging / DeleteObjectTagging
 * on the latest version and on older versions by VersionId, the version id they answer with, what
 * tagging leaves alone (Last-Modified, ETag, which version is latest), x-amz-tagging-count on GET and
 * HEAD, delete markers, and lifecycle Tag filters seeing tags set after the write.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, midnightAtOrAfter, movableClock } from './helpers/lifecycle.js';
import { recordWire, sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const clock = movableClock(Date.UTC(2031, 4, 6, 9, 0, 0));
let t: TestServer;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestServer({ clock, config: { lifecycleHourUtc: '-1' } });
  s3 = t.s3();
});
afterAll(async () => {
  await t?.close();
});

async function newBucket(prefix: string, versioned = false): Promise<string> {
  const Bucket = t.bucketName(prefix);
  await s3.send(new CreateBucketCommand({ Bucket }));
  if (versioned) {
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  }
  return Bucket;
}

const tagsOf = async (Bucket: string, Key: string, VersionId?: string) =>
  (await s3.send(new GetObjectTaggingCommand({ Bucket, Key, ...(VersionId ? { VersionId } : {}) }))).TagSet;

describe('an unversioned bucket', () => {
  let Bucket: string;
  beforeAll(async () => {
    Bucket = await newBucket('tagobj');
  });

  it('an object without tags has an empty TagSet (200), and no x-amz-tagging-count', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'plain', Body: 'abc' }));
    const got = await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'plain' }));
    expect(got.$metadata.httpStatusCode).toBe(200);
    expect(got.TagSet).toEqual([]);
    expect(got.VersionId).toBeUndefined();
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'plain' }))).TagCount).toBeUndefined();
  });

  it('PutObjectTagging replaces the whole set (read back in key order) and changes neither Last-Modified nor the ETag', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'doc.txt', Body: 'hello' }));
    const before = await s3.send(new HeadObjectCommand({ Bucket, Key: 'doc.txt' }));
    clock.now += 5 * 60_000;
    const TagSet = [
      { Key: 'project', Value: 'coffer' },
      { Key: 'empty', Value: '' },
      { Key: 'with space', Value: 'a+b=c/d:e@f_g.h-i' },
      { Key: '中文', Value: 'ünïcødé' },
    ];
    const res = await s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'doc.txt', Tagging: { TagSet } }));
    expect(res.$metadata.httpStatusCode).toBe(200);
    // The whole set, in key order.
    expect(await tagsOf(Bucket, 'doc.txt')).toEqual(
      [...TagSet].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0)),
    );
    const after = await s3.send(new HeadObjectCommand({ Bucket, Key: 'doc.txt' }));
    expect(after.LastModified).toEqual(before.LastModified);
    expect(after.ETag).toBe(put.ETag);
    expect(after.TagCount).toBe(4);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'doc.txt' }));
    expect(listed.Contents?.[0]?.LastModified).toEqual(before.LastModified);

    await s3.send(
      new PutObjectTaggingCommand({ Bucket, Key: 'doc.txt', Tagging: { TagSet: [{ Key: 'only', Value: 'one' }] } }),
    );
    expect(await tagsOf(Bucket, 'doc.txt')).toEqual([{ Key: 'only', Value: 'one' }]);
    const get = await s3.send(new GetObjectCommand({ Bucket, Key: 'doc.txt' }));
    expect(get.TagCount).toBe(1);
    expect(await get.Body!.transformToString()).toBe('hello');
  });

  it('DeleteObjectTagging (204) and an empty TagSet both remove every tag', async () => {
    const Key = 'to-clear';
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x', Tagging: 'a=1&b=2' }));
    const client = t.s3();
    const wire = recordWire(client);
    const del = await client.send(new DeleteObjectTaggingCommand({ Bucket, Key }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    expect(wire.at(-1)?.responseHeaders['x-amz-version-id']).toBeUndefined();
    expect(await tagsOf(Bucket, Key)).toEqual([]);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key }))).TagCount).toBeUndefined();

    await s3.send(new PutObjectTaggingCommand({ Bucket, Key, Tagging: { TagSet: [{ Key: 'c', Value: '3' }] } }));
    await s3.send(new PutObjectTaggingCommand({ Bucket, Key, Tagging: { TagSet: [] } }));
    expect(await tagsOf(Bucket, Key)).toEqual([]);
  });

  it('tagging a key that does not exist is 404 NoSuchKey, for all three operations', async () => {
    const Key = 'missing';
    const Tagging = { TagSet: [{ Key: 'a', Value: 'b' }] };
    for (const call of [
      () => s3.send(new PutObjectTaggingCommand({ Bucket, Key, Tagging })),
      () => s3.send(new GetObjectTaggingCommand({ Bucket, Key })),
      () => s3.send(new DeleteObjectTaggingCommand({ Bucket, Key })),
    ]) {
      expect(await sdkError(call())).toMatchObject({ status: 404, code: 'NoSuchKey' });
    }
    expect(
      await sdkError(s3.send(new GetObjectTaggingCommand({ Bucket: t.bucketName('nobucket'), Key }))),
    ).toMatchObject({ status: 404, code: 'NoSuchBucket' });
  });

  it('an overwrite starts with the tags of its own request, not the old ones', async () => {
    const Key = 'rewritten';
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'v1' }));
    await s3.send(new PutObjectTaggingCommand({ Bucket, Key, Tagging: { TagSet: [{ Key: 'old', Value: '1' }] } }));
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'v2' }));
    expect(await tagsOf(Bucket, Key)).toEqual([]);
  });
});

describe('a versioned bucket', () => {
  let Bucket: string;
  let v1: string;
  let v2: string;
  beforeAll(async () => {
    Bucket = await newBucket('tagver', true);
    v1 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'one', Tagging: 'gen=1' }))).VersionId!;
    v2 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'two', Tagging: 'gen=2' }))).VersionId!;
  });

  it('each version has its own tags; VersionId picks one, and the answer names the version', async () => {
    expect(await tagsOf(Bucket, 'k')).toEqual([{ Key: 'gen', Value: '2' }]);
    const old = await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'k', VersionId: v1 }));
    expect(old).toMatchObject({ VersionId: v1, TagSet: [{ Key: 'gen', Value: '1' }] });
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'k' }))).VersionId).toBe(v2);
  });

  it('PutObjectTagging on an older version changes only that version, and creates no new one', async () => {
    const res = await s3.send(
      new PutObjectTaggingCommand({ Bucket, Key: 'k', VersionId: v1, Tagging: { TagSet: [{ Key: 'x', Value: 'y' }] } }),
    );
    expect(res.VersionId).toBe(v1);
    expect(await tagsOf(Bucket, 'k', v1)).toEqual([{ Key: 'x', Value: 'y' }]);
    expect(await tagsOf(Bucket, 'k', v2)).toEqual([{ Key: 'gen', Value: '2' }]);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }));
    expect(head.VersionId).toBe(v2);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'k', VersionId: v1 }))).TagCount).toBe(1);

    const latest = await s3.send(
      new PutObjectTaggingCommand({ Bucket, Key: 'k', Tagging: { TagSet: [{ Key: 'now', Value: 'latest' }] } }),
    );
    expect(latest.VersionId).toBe(v2);
  });

  it('DeleteObjectTagging by VersionId clears that version only and answers its id', async () => {
    const res = await s3.send(new DeleteObjectTaggingCommand({ Bucket, Key: 'k', VersionId: v1 }));
    expect(res.VersionId).toBe(v1);
    expect(await tagsOf(Bucket, 'k', v1)).toEqual([]);
    expect(await tagsOf(Bucket, 'k', v2)).toEqual([{ Key: 'now', Value: 'latest' }]);
  });

  it('an unknown version is 404 NoSuchVersion; a delete marker is NoSuchKey when latest, 405 by its id', async () => {
    expect(await sdkError(s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'k', VersionId: 'nope' })))).toMatchObject(
      { status: 404, code: 'NoSuchVersion' },
    );
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }))).VersionId!;
    expect(await sdkError(s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'k' })))).toMatchObject({
      status: 404,
      code: 'NoSuchKey',
    });
    const Tagging = { TagSet: [{ Key: 'a', Value: 'b' }] };
    expect(
      await sdkError(s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'k', VersionId: marker, Tagging }))),
    ).toMatchObject({ status: 405, code: 'MethodNotAllowed' });
    // The versions under the marker keep their tags and can still be tagged by id.
    await s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'k', VersionId: v2, Tagging }));
    expect(await tagsOf(Bucket, 'k', v2)).toEqual([{ Key: 'a', Value: 'b' }]);
  });
});

describe('lifecycle Tag filters', () => {
  it('see tags set and removed by PutObjectTagging / DeleteObjectTagging after the write', async () => {
    const Bucket = await newBucket('taglc');
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: {
          Rules: [
            { ID: 'temp', Status: 'Enabled', Filter: { Tag: { Key: 'temp', Value: 'yes' } }, Expiration: { Days: 1 } },
          ],
        },
      }),
    );
    for (const Key of ['untagged', 'tagged-later', 'untagged-later']) {
      await s3.send(
        new PutObjectCommand({ Bucket, Key, Body: Key, ...(Key === 'untagged-later' ? { Tagging: 'temp=yes' } : {}) }),
      );
    }
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket,
        Key: 'tagged-later',
        Tagging: { TagSet: [{ Key: 'temp', Value: 'yes' }] },
      }),
    );
    await s3.send(new DeleteObjectTaggingCommand({ Bucket, Key: 'untagged-later' }));
    clock.now = midnightAtOrAfter(clock.now + DAY_MS) + 1;
    const summary = await t.server.engine.runLifecycle();
    expect(summary.finished).toBe(true);
    const left = await s3.send(new ListObjectsV2Command({ Bucket }));
    expect(left.Contents?.map((c) => c.Key)).toEqual(['untagged', 'untagged-later']);
  });
});

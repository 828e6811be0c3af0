import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CopyObjectInput } from './copy-object.js';
import { blobIds, OWNER, openTestEngine, put, read, type TestEngine } from './engine.fixture.js';
import { MIN_PART_SIZE_BYTES } from './multipart.js';

/**
 * PUT Object - Copy on the engine itself: zero-copy (the copy names the source's blobs), the
 * metadata directive, and copying an object onto itself.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
 */
const SOURCE_BUCKET = 'source-1250000000';
const BUCKET = 'target-1250000000';
const SOURCE_HEADERS = { 'content-type': 'text/plain', 'cache-control': 'max-age=60' };
const SOURCE_META = { colour: 'blue' };

let t: TestEngine;
beforeEach(async () => {
  t = await openTestEngine();
  await t.engine.createBucket(OWNER, SOURCE_BUCKET);
  await t.engine.createBucket(OWNER, BUCKET);
  await put(t.engine, SOURCE_BUCKET, 'a.txt', 'the source body', {
    contentHeaders: SOURCE_HEADERS,
    userMeta: SOURCE_META,
  });
});
afterEach(() => t.close());

function copy(overrides: Partial<CopyObjectInput> = {}) {
  return t.engine.copyObject({
    source: { bucket: SOURCE_BUCKET, key: 'a.txt' },
    sourceConditions: {},
    bucket: BUCKET,
    key: 'b.txt',
    actor: OWNER,
    metadataDirective: 'COPY',
    taggingDirective: 'COPY',
    attributes: { contentHeaders: {}, userMeta: {} },
    ...overrides,
  });
}

describe('CopyObject on the engine', () => {
  it('is zero-copy: the copy names the same blobs, keeps the ETag, and writes no bytes', async () => {
    const before = await blobIds(t);
    const { source, version } = await copy();
    expect(version.etag).toBe(source.etag);
    expect(version.crc64).toBe(source.crc64);
    expect(version.manifest).toEqual(source.manifest);
    expect((await blobIds(t)).onDisk).toEqual(before.onDisk);
    expect((await read(t.engine, BUCKET, 'b.txt')).toString()).toBe('the source body');

    // The blob is shared: deleting the source leaves the copy readable after GC.
    await t.engine.deleteObject({ bucket: SOURCE_BUCKET, key: 'a.txt', actor: OWNER });
    await t.engine.collectGarbage();
    expect((await read(t.engine, BUCKET, 'b.txt')).toString()).toBe('the source body');
  });

  it("COPY keeps the source's headers and metadata; REPLACE takes the request's", async () => {
    const copied = await copy({
      attributes: { contentHeaders: { 'content-type': 'image/png' }, userMeta: { x: '1' } },
    });
    expect(copied.version.contentHeaders).toEqual(SOURCE_HEADERS);
    expect(copied.version.userMeta).toEqual(SOURCE_META);

    const replaced = await copy({
      key: 'c.txt',
      metadataDirective: 'REPLACE',
      attributes: { contentHeaders: { 'content-type': 'image/png' }, userMeta: { x: '1' } },
    });
    expect(replaced.version.contentHeaders).toEqual({ 'content-type': 'image/png' });
    expect(replaced.version.userMeta).toEqual({ x: '1' });
    expect(replaced.version.etag).toBe(copied.version.etag);
  });

  it('keeps a multipart source its ETag and part sizes', async () => {
    const upload = await t.engine.createMultipartUpload({
      bucket: SOURCE_BUCKET,
      key: 'mp.bin',
      actor: OWNER,
      attributes: { contentHeaders: {}, userMeta: {} },
    });
    const parts = [];
    for (const [i, size] of [MIN_PART_SIZE_BYTES, 3].entries()) {
      const { part } = await t.engine.uploadPart({
        bucket: SOURCE_BUCKET,
        key: 'mp.bin',
        uploadId: upload.uploadId,
        partNumber: i + 1,
        body: Readable.from([randomBytes(size)]),
        expect: {},
      });
      parts.push({ partNumber: i + 1, etag: part.etag, checksums: {} });
    }
    await t.engine.completeMultipartUpload({ bucket: SOURCE_BUCKET, key: 'mp.bin', uploadId: upload.uploadId, parts });
    const { source, version } = await copy({ source: { bucket: SOURCE_BUCKET, key: 'mp.bin' } });
    expect(version.etag).toMatch(/-2$/);
    expect(version.etag).toBe(source.etag);
    expect(version.partSizes).toEqual([MIN_PART_SIZE_BYTES, 3]);
  });

  it('refuses to copy an object onto itself without a change, and changes nothing', async () => {
    await expect(copy({ bucket: SOURCE_BUCKET, key: 'a.txt' })).rejects.toMatchObject({ code: 'InvalidRequest' });
    const head = await t.engine.getObject({ bucket: SOURCE_BUCKET, key: 'a.txt', headOnly: true });
    expect(head.version.userMeta).toEqual(SOURCE_META);
  });

  it('replaces the metadata of an object copied onto itself with REPLACE; its bytes survive GC', async () => {
    const { version } = await copy({
      bucket: SOURCE_BUCKET,
      key: 'a.txt',
      metadataDirective: 'REPLACE',
      attributes: { contentHeaders: { 'content-type': 'text/markdown' }, userMeta: { colour: 'red' } },
    });
    expect(version.userMeta).toEqual({ colour: 'red' });
    // The replaced version (unversioned bucket) is gone, but its blob is the new version's too.
    await t.engine.collectGarbage();
    const got = await t.engine.getObject({ bucket: SOURCE_BUCKET, key: 'a.txt' });
    expect(got.version.contentHeaders).toEqual({ 'content-type': 'text/markdown' });
    expect((await got.readBody()).toString()).toBe('the source body');
    expect((await blobIds(t)).onDisk).toHaveLength(1);
  });

  it('changes the storage class by copying onto itself', async () => {
    const { version } = await copy({
      bucket: SOURCE_BUCKET,
      key: 'a.txt',
      attributes: { contentHeaders: {}, userMeta: {}, storageClass: 'STANDARD_IA' },
    });
    expect(version.storageClass).toBe('STANDARD_IA');
    expect(version.userMeta).toEqual(SOURCE_META);
  });

  it('checks the source conditions and a missing source', async () => {
    await expect(copy({ sourceConditions: { ifMatch: '"0123"' } })).rejects.toMatchObject({
      code: 'PreconditionFailed',
    });
    await expect(copy({ source: { bucket: SOURCE_BUCKET, key: 'missing' } })).rejects.toMatchObject({
      code: 'NoSuchKey',
    });
    await expect(read(t.engine, BUCKET, 'b.txt')).rejects.toMatchObject({ code: 'NoSuchKey' });
  });
});

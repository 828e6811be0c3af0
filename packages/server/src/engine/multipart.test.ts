import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blobIds, OWNER, openTestEngine, read, type TestEngine } from './engine.fixture.js';
import { MIN_PART_SIZE_BYTES } from './multipart.js';

/**
 * Multipart uploads on the engine itself: what Complete composes from the parts it is given.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
 */
const BUCKET = 'parts-1250000000';
const KEY = 'big.bin';

let t: TestEngine;
beforeEach(async () => {
  t = await openTestEngine();
  await t.engine.createBucket(OWNER, BUCKET);
});
afterEach(() => t.close());

const md5 = (data: Buffer) => createHash('md5').update(data).digest();
/** Large buffers are compared by digest: a deep equality of megabytes is slow and prints badly. */
const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function initiate(): Promise<string> {
  const upload = await t.engine.createMultipartUpload({
    bucket: BUCKET,
    key: KEY,
    actor: OWNER,
    attributes: { contentHeaders: { 'content-type': 'application/x-test' }, userMeta: { origin: 'parts' } },
  });
  return upload.uploadId;
}

async function uploadPart(uploadId: string, partNumber: number, body: Buffer) {
  const { part } = await t.engine.uploadPart({
    bucket: BUCKET,
    key: KEY,
    uploadId,
    partNumber,
    body: Readable.from([body]),
    expect: { size: body.length },
  });
  return { partNumber, etag: `"${part.etag}"`, checksums: {} };
}

function complete(uploadId: string, parts: { partNumber: number; etag: string }[]) {
  return t.engine.completeMultipartUpload({
    bucket: BUCKET,
    key: KEY,
    uploadId,
    parts: parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag, checksums: {} })),
  });
}

describe('CompleteMultipartUpload on the engine', () => {
  it('joins the listed parts in part-number order, whatever order they were uploaded in', async () => {
    const uploadId = await initiate();
    const bodies = [randomBytes(MIN_PART_SIZE_BYTES), randomBytes(MIN_PART_SIZE_BYTES + 7), randomBytes(10)];
    const third = await uploadPart(uploadId, 3, bodies[2]!);
    const first = await uploadPart(uploadId, 1, bodies[0]!);
    const second = await uploadPart(uploadId, 2, bodies[1]!);

    const { result } = await complete(uploadId, [first, second, third]);
    expect(result.kind).toBe('completed');
    expect(digest(await read(t.engine, BUCKET, KEY))).toBe(digest(Buffer.concat(bodies)));
    const head = await t.engine.getObject({ bucket: BUCKET, key: KEY, headOnly: true });
    expect(head.version.size).toBe(bodies[0]!.length + bodies[1]!.length + bodies[2]!.length);
    expect(head.version.partSizes).toEqual(bodies.map((b) => b.length));
    // Initiate's headers and metadata are the object's.
    expect(head.version.contentHeaders).toEqual({ 'content-type': 'application/x-test' });
    expect(head.version.userMeta).toEqual({ origin: 'parts' });
  });

  it("gives the object the multipart ETag: MD5 of the parts' binary MD5s, then -N", async () => {
    const uploadId = await initiate();
    const bodies = [randomBytes(MIN_PART_SIZE_BYTES), randomBytes(100)];
    const parts = [await uploadPart(uploadId, 1, bodies[0]!), await uploadPart(uploadId, 2, bodies[1]!)];
    const { result } = await complete(uploadId, parts);
    const expected = `${createHash('md5')
      .update(Buffer.concat(bodies.map(md5)))
      .digest('hex')}-2`;
    expect(result.kind === 'completed' && result.version.etag).toBe(expected);

    // A retried Complete answers with what the first one made.
    const again = await complete(uploadId, parts);
    expect(again.result).toMatchObject({ kind: 'already-completed', etag: expected });
  });

  it('drops the references of a part left out, so GC deletes its blob and keeps the others', async () => {
    const uploadId = await initiate();
    const kept = randomBytes(MIN_PART_SIZE_BYTES);
    const left = randomBytes(MIN_PART_SIZE_BYTES);
    const last = randomBytes(5);
    const p1 = await uploadPart(uploadId, 1, kept);
    await uploadPart(uploadId, 2, left);
    const p3 = await uploadPart(uploadId, 3, last);
    expect((await blobIds(t)).onDisk).toHaveLength(3);

    await complete(uploadId, [p1, p3]);
    await t.engine.collectGarbage();

    const { referenced, onDisk } = await blobIds(t);
    const object = (await t.engine.getObject({ bucket: BUCKET, key: KEY, headOnly: true })).version;
    const objectBlobs = object.manifest.map((m) => m.blobId).sort();
    expect(referenced).toEqual(objectBlobs);
    expect(onDisk).toEqual(objectBlobs);
    expect(digest(await read(t.engine, BUCKET, KEY))).toBe(digest(Buffer.concat([kept, last])));
  });

  it('replaces a part uploaded twice under one number: the first blob is freed', async () => {
    const uploadId = await initiate();
    await uploadPart(uploadId, 1, randomBytes(50));
    const second = await uploadPart(uploadId, 1, Buffer.from('the second body'));
    await complete(uploadId, [second]);
    await t.engine.collectGarbage();
    expect((await blobIds(t)).onDisk).toHaveLength(1);
    expect((await read(t.engine, BUCKET, KEY)).toString()).toBe('the second body');
  });

  it('refuses a part under 1 MiB that is not the last (EntityTooSmall) and changes nothing', async () => {
    const uploadId = await initiate();
    const small = await uploadPart(uploadId, 1, randomBytes(MIN_PART_SIZE_BYTES - 1));
    const last = await uploadPart(uploadId, 2, randomBytes(10));
    await expect(complete(uploadId, [small, last])).rejects.toMatchObject({
      code: 'EntityTooSmall',
      details: { PartNumber: 1, MinSizeAllowed: MIN_PART_SIZE_BYTES },
    });
    await expect(t.engine.getObject({ bucket: BUCKET, key: KEY })).rejects.toMatchObject({ code: 'NoSuchKey' });
    // The upload is still there: the small part alone, as the last, completes.
    await complete(uploadId, [small]);
    expect((await read(t.engine, BUCKET, KEY)).length).toBe(MIN_PART_SIZE_BYTES - 1);
  });

  it('refuses parts out of order, a wrong ETag, a part never uploaded, and an unknown upload', async () => {
    const uploadId = await initiate();
    const p1 = await uploadPart(uploadId, 1, randomBytes(MIN_PART_SIZE_BYTES));
    const p2 = await uploadPart(uploadId, 2, randomBytes(10));
    await expect(complete(uploadId, [p2, p1])).rejects.toMatchObject({ code: 'InvalidPartOrder' });
    await expect(complete(uploadId, [p1, { ...p2, etag: `"${'0'.repeat(32)}"` }])).rejects.toMatchObject({
      code: 'InvalidPart',
    });
    await expect(complete(uploadId, [p1, { ...p2, partNumber: 5 }])).rejects.toMatchObject({ code: 'InvalidPart' });
    await expect(complete('no-such-upload', [p1])).rejects.toMatchObject({ code: 'NoSuchUpload' });
    await expect(complete(uploadId, [])).rejects.toMatchObject({ code: 'MalformedXML' });
  });
});

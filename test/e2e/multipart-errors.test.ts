/**
 * Multipart errors, each with its exact Code and status: what COS documents for Complete
 * (https://intl.cloud.tencent.com/document/product/436/7742:
 * EntityTooSmall, InvalidPart, InvalidPartOrder, NoSuchUpload), MalformedXML, part numbers out of
 * range, digests that do not match, UploadPart after Abort (404 NoSuchUpload,
 * https://intl.cloud.tencent.com/document/product/436/10687), and an
 * Abort that lands while a part is still streaming (https://intl.cloud.tencent.com/document/product/436/7740: "the
 * request will fail").
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blobFiles,
  collectGarbage,
  MiB,
  md5Hex,
  partBody,
  streamingRequest,
  tmpFiles,
  waitFor,
} from './helpers/multipart.js';
import { encodeKeyPath, errorOf, md5Base64, rawRequest, sdkError, xmlFields } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** An upload id the server never issued (same shape as a real one). */
const UNKNOWN_UPLOAD_ID = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

describe('multipart errors (@aws-sdk/client-s3 and raw SigV4)', () => {
  let t: TestServer;
  let s3: S3Client;
  let bucket: string;
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    bucket = t.bucketName('mperr');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await t.close();
  });

  async function initiate(key: string): Promise<string> {
    return (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }))).UploadId!;
  }

  async function upload(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<string> {
    const out = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body }),
    );
    return out.ETag!;
  }

  function complete(key: string, uploadId: string, parts: { PartNumber: number; ETag: string }[]) {
    return s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  }

  it('Complete with a part below 1 MB that is not the last: 400 EntityTooSmall, and the upload survives', async () => {
    const key = 'small-parts';
    const uploadId = await initiate(key);
    const e1 = await upload(key, uploadId, 1, partBody(MiB - 1));
    const e2 = await upload(key, uploadId, 2, partBody(10));
    const err = await sdkError(
      complete(key, uploadId, [
        { PartNumber: 1, ETag: e1 },
        { PartNumber: 2, ETag: e2 },
      ]),
    );
    expect(err).toMatchObject({ status: 400, code: 'EntityTooSmall' });
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    expect(parts.Parts?.map((p) => p.PartNumber)).toEqual([1, 2]);

    // Exactly 1 MiB is enough, and the last part may be as small as it likes.
    const e1big = await upload(key, uploadId, 1, partBody(MiB));
    const done = await complete(key, uploadId, [
      { PartNumber: 1, ETag: e1big },
      { PartNumber: 2, ETag: e2 },
    ]);
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
  });

  it('Complete naming a part never uploaded, or with the wrong ETag: 400 InvalidPart', async () => {
    const key = 'invalid-part';
    const uploadId = await initiate(key);
    const e1 = await upload(key, uploadId, 1, partBody(MiB));
    const missing = await sdkError(
      complete(key, uploadId, [
        { PartNumber: 1, ETag: e1 },
        { PartNumber: 3, ETag: e1 },
      ]),
    );
    expect(missing).toMatchObject({ status: 400, code: 'InvalidPart' });
    const wrongEtag = await sdkError(complete(key, uploadId, [{ PartNumber: 1, ETag: `"${md5Hex('other')}"` }]));
    expect(wrongEtag).toMatchObject({ status: 400, code: 'InvalidPart' });
    // The ETag may come with or without quotes, in any case.
    const done = await complete(key, uploadId, [{ PartNumber: 1, ETag: e1.replace(/"/g, '').toUpperCase() }]);
    expect(done.ETag).toMatch(/-1"$/);
  });

  it('Complete with parts out of order or repeated: 400 InvalidPartOrder', async () => {
    const key = 'order';
    const uploadId = await initiate(key);
    const e1 = await upload(key, uploadId, 1, partBody(MiB));
    const e2 = await upload(key, uploadId, 2, partBody(MiB));
    const swapped = await sdkError(
      complete(key, uploadId, [
        { PartNumber: 2, ETag: e2 },
        { PartNumber: 1, ETag: e1 },
      ]),
    );
    expect(swapped).toMatchObject({ status: 400, code: 'InvalidPartOrder' });
    const repeated = await sdkError(
      complete(key, uploadId, [
        { PartNumber: 1, ETag: e1 },
        { PartNumber: 1, ETag: e1 },
      ]),
    );
    expect(repeated).toMatchObject({ status: 400, code: 'InvalidPartOrder' });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  });

  it('an unknown UploadId is 404 NoSuchUpload for UploadPart, ListParts, Complete and Abort', async () => {
    const key = 'unknown';
    const calls = [
      () =>
        s3.send(
          new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: UNKNOWN_UPLOAD_ID, PartNumber: 1, Body: 'x' }),
        ),
      () => s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: UNKNOWN_UPLOAD_ID })),
      () => complete(key, UNKNOWN_UPLOAD_ID, [{ PartNumber: 1, ETag: `"${md5Hex('x')}"` }]),
      () => s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: UNKNOWN_UPLOAD_ID })),
    ];
    for (const call of calls) expect(await sdkError(call())).toMatchObject({ status: 404, code: 'NoSuchUpload' });
  });

  it('an UploadId used with another key is 404 NoSuchUpload for every operation, and the upload is untouched', async () => {
    const uploadId = await initiate('owner-key');
    const e1 = await upload('owner-key', uploadId, 1, partBody(100));
    const Key = 'other-key';
    const calls = [
      () => s3.send(new UploadPartCommand({ Bucket: bucket, Key, UploadId: uploadId, PartNumber: 1, Body: 'x' })),
      () => s3.send(new ListPartsCommand({ Bucket: bucket, Key, UploadId: uploadId })),
      () => complete(Key, uploadId, [{ PartNumber: 1, ETag: e1 }]),
      () => s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId: uploadId })),
    ];
    for (const call of calls) expect(await sdkError(call())).toMatchObject({ status: 404, code: 'NoSuchUpload' });
    const done = await complete('owner-key', uploadId, [{ PartNumber: 1, ETag: e1 }]);
    expect(done.ETag).toMatch(/-1"$/);
  });

  it('a part declared above 5 GB is refused before its body is read: 400 EntityTooLarge', async () => {
    const key = 'huge-part';
    const uploadId = await initiate(key);
    const huge = streamingRequest(t, {
      method: 'PUT',
      path: `/${bucket}/${key}`,
      query: `partNumber=1&uploadId=${encodeURIComponent(uploadId)}`,
      contentLength: 5 * 1024 ** 3 + 1,
    });
    const res = await huge.response;
    expect(res.status).toBe(400);
    expect(xmlFields(res.text)['Code']).toBe('EntityTooLarge');
    expect(await tmpFiles(t.dataDir)).toEqual([]);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  });

  it('a Complete body that is not well-formed XML, or lists no part: 400 MalformedXML', async () => {
    const key = 'malformed';
    const uploadId = await initiate(key);
    const e1 = await upload(key, uploadId, 1, partBody(100));
    const bodies = [
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>',
      '<CompleteMultipartUpload></CompleteMultipartUpload>',
      `<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>${e1}</ETag></Part></CompleteMultipartUpload>`,
      `<CompleteMultipartUpload><Part><ETag>${e1}</ETag></Part></CompleteMultipartUpload>`,
      `<Wrong><Part><PartNumber>1</PartNumber><ETag>${e1}</ETag></Part></Wrong>`,
    ];
    for (const body of bodies) {
      const res = await rawRequest(t, {
        method: 'POST',
        path: `/${bucket}/${key}`,
        query: `uploadId=${encodeURIComponent(uploadId)}`,
        body,
      });
      expect({ body, ...errorOf(res) }).toMatchObject({ body, status: 400, code: 'MalformedXML' });
    }
    // The COS SDK writes the ETag as &quot;…&quot; entities
    // (https://github.com/tencentyun/cos-nodejs-sdk-v5/blob/master/sdk/base.js, multipartComplete): decoded, not
    // refused.
    const quoted = e1.replace(/"/g, '&quot;');
    const ok = await rawRequest(t, {
      method: 'POST',
      path: `/${bucket}/${key}`,
      query: `uploadId=${encodeURIComponent(uploadId)}`,
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${quoted}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect(ok.status).toBe(200);
    expect(xmlFields(ok.text)['ETag']).toMatch(/^&quot;[0-9a-f]{32}-1&quot;$/);
  });

  it('part numbers outside 1–10000 are 400 InvalidArgument; 10000 is accepted', async () => {
    const key = 'part-numbers';
    const uploadId = await initiate(key);
    for (const partNumber of ['0', '10001', '-1', 'x', '']) {
      const res = await rawRequest(t, {
        method: 'PUT',
        path: `/${bucket}/${key}`,
        query: `partNumber=${partNumber}&uploadId=${encodeURIComponent(uploadId)}`,
        body: 'x',
      });
      expect({ partNumber, ...errorOf(res) }).toMatchObject({ partNumber, status: 400, code: 'InvalidArgument' });
    }
    await upload(key, uploadId, 10_000, Buffer.from('last'));
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    expect(parts.Parts?.map((p) => p.PartNumber)).toEqual([10_000]);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  });

  it('a part whose Content-MD5 or x-amz-checksum-crc32 does not match: 400 BadDigest, nothing stored', async () => {
    const key = 'digest';
    const uploadId = await initiate(key);
    const blobsBefore = (await blobFiles(t.dataDir)).size;
    const query = `partNumber=1&uploadId=${encodeURIComponent(uploadId)}`;
    const badMd5 = await rawRequest(t, {
      method: 'PUT',
      path: `/${bucket}/${key}`,
      query,
      headers: { 'content-md5': md5Base64('something else') },
      body: 'part body',
    });
    expect(errorOf(badMd5)).toMatchObject({ status: 400, code: 'BadDigest' });
    const badCrc = await rawRequest(t, {
      method: 'PUT',
      path: `/${bucket}/${key}`,
      query,
      headers: { 'x-amz-checksum-crc32': Buffer.from('00000000', 'hex').toString('base64') },
      body: 'part body',
    });
    expect(errorOf(badCrc)).toMatchObject({ status: 400, code: 'BadDigest' });
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    expect(parts.Parts ?? []).toEqual([]);
    expect((await blobFiles(t.dataDir)).size).toBe(blobsBefore);
    expect(await tmpFiles(t.dataDir)).toEqual([]);

    const good = await rawRequest(t, {
      method: 'PUT',
      path: `/${bucket}/${key}`,
      query,
      headers: { 'content-md5': md5Base64('part body') },
      body: 'part body',
    });
    expect(good.status).toBe(200);
    expect(good.headers.etag).toBe(`"${md5Hex('part body')}"`);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  });

  it('UploadPart, ListParts and Complete after Abort: 404 NoSuchUpload; a second Abort too', async () => {
    const key = 'after-abort';
    const uploadId = await initiate(key);
    const e1 = await upload(key, uploadId, 1, partBody(1000));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    const afterwards = [
      () =>
        s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: 2, Body: 'late' })),
      () => s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId })),
      () => complete(key, uploadId, [{ PartNumber: 1, ETag: e1 }]),
      () => s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })),
    ];
    for (const call of afterwards) {
      expect(await sdkError(call())).toMatchObject({ status: 404, code: 'NoSuchUpload' });
    }
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).toMatchObject({ status: 404 });
  });

  it('Abort while a part is streaming: that UploadPart ends 404 NoSuchUpload and leaves no file behind', async () => {
    const key = 'dir/streaming part.bin';
    const uploadId = await initiate(key);
    // In a cluster the part may stream into any gateway and the Abort land on another (the change feed stops it).
    const inFlight = () => t.gateways.some((g) => g.engine.ctx.uploadsInFlight.has(uploadId));
    await collectGarbage(t);
    const before = await blobFiles(t.dataDir);
    await upload(key, uploadId, 1, partBody(MiB));
    const part1Blobs = [...(await blobFiles(t.dataDir)).keys()].filter((id) => !before.has(id));
    expect(part1Blobs).toHaveLength(1);
    const partSize = 8 * MiB;
    const slow = streamingRequest(t, {
      method: 'PUT',
      path: `/${bucket}/${encodeKeyPath(key)}`,
      query: `partNumber=2&uploadId=${encodeURIComponent(uploadId)}`,
      contentLength: partSize,
    });
    // Feed a quarter of the body, wait until the server is writing it, then abort the upload.
    for (let i = 0; i < 8; i++) await slow.write(partBody(partSize / 32));
    await waitFor(inFlight, 'the part to be in flight');
    await waitFor(async () => (await tmpFiles(t.dataDir)).length > 0, 'the part to reach tmp/');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    const res = await slow.response;
    slow.end();
    expect(res.status).toBe(404);
    expect(xmlFields(res.text)['Code']).toBe('NoSuchUpload');

    await collectGarbage(t);
    // Part 1's blob went with the abort, and part 2 never became one.
    expect([...(await blobFiles(t.dataDir)).keys()].sort()).toEqual([...before.keys()].sort());
    expect(await tmpFiles(t.dataDir)).toEqual([]);
    expect(inFlight()).toBe(false);
  });
});

describe('the single-PUT size limit (maxPutSizeBytes)', () => {
  let t: TestServer;
  let s3: S3Client;
  let bucket: string;
  beforeAll(async () => {
    t = await startTestServer({ config: { maxPutSizeBytes: '1000' } });
    s3 = t.s3();
    bucket = t.bucketName('putlimit');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await t.close();
  });

  it('a PUT above the configured limit is 400 EntityTooLarge and stores nothing', async () => {
    const err = await sdkError(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: partBody(1001) })));
    expect(err).toMatchObject({ status: 400, code: 'EntityTooLarge' });
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big' })))).toMatchObject({
      status: 404,
    });
    expect((await blobFiles(t.dataDir)).size).toBe(0);
    expect(await tmpFiles(t.dataDir)).toEqual([]);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'fits', Body: partBody(1000) }));
  });

  it('a body without Content-Length that grows past the limit is refused the same way', async () => {
    const slow = streamingRequest(t, { method: 'PUT', path: `/${bucket}/chunked`, query: '', contentLength: -1 });
    await slow.write(partBody(600));
    await slow.write(partBody(600));
    slow.end();
    const res = await slow.response;
    expect(res.status).toBe(400);
    expect(xmlFields(res.text)['Code']).toBe('EntityTooLarge');
    expect(await tmpFiles(t.dataDir)).toEqual([]);
  });

  it('the limit does not apply to multipart uploads: their parts may be larger', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp' }));
    const part = partBody(MiB);
    const { ETag } = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId, PartNumber: 1, Body: part }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'mp',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'mp' }));
    expect(head.ContentLength).toBe(MiB);
  });
});

/**
 * Server-side encryption at rest with keys Coffer manages (SSE-S3 `x-amz-server-side-encryption:
 * AES256`, SSE-COS `x-cos-server-side-encryption: AES256`) and bucket default encryption, through
 * @aws-sdk/client-s3, @aws-sdk/lib-storage, cos-nodejs-sdk-v5 and a POST form. Every check that the
 * bytes are encrypted reads the data directory itself: no blob file of an encrypted object holds
 * its plaintext, and the blob of an object stored in the clear does (so the scan can see it).
 * SSE-C and SSE-KMS have their own files (sse-c.test.ts, sse-kms.test.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineBodies } from './helpers/blobs.js';
import { MiB, md5Hex } from './helpers/multipart.js';
import { formBody, policyDoc, postForm, sigV4SignedFields } from './helpers/post-form.js';
import { metadataOnPostgres } from './helpers/postgres.js';
import { rawRequest, sdkError } from './helpers/s3.js';
import { readAll, startTestServer, TEST_REGION, type TestServer } from './helpers/server.js';

/** Recognisable plaintext: a marker repeated, so any 4 KiB of a blob in the clear contains it whole. */
const MARKER = Buffer.from('COFFER-SSE-PLAINTEXT-MARKER|');
function plaintext(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += MARKER.length) MARKER.copy(out, i);
  return out;
}

/**
 * Stored blobs (id → bytes) of the data directory: blob files, and the bodies of inline blobs (small
 * objects and parts) in the metadata database.
 */
async function blobContents(dataDir: string): Promise<Map<string, Buffer>> {
  const root = path.join(dataDir, 'blobs');
  const out = new Map<string, Buffer>();
  for (const fanout of await fs.readdir(root)) {
    for (const name of await fs.readdir(path.join(root, fanout))) {
      out.set(name, await fs.readFile(path.join(root, fanout, name)));
    }
  }
  for (const [id, body] of inlineBodies(dataDir)) out.set(id, body);
  return out;
}

/** How many stored blobs hold the marker in the clear. */
async function blobsInTheClear(dataDir: string): Promise<number> {
  let n = 0;
  for (const content of (await blobContents(dataDir)).values()) if (content.includes(MARKER)) n++;
  return n;
}

/**
 * Whether the marker appears anywhere in the metadata database's files as they lie on disk (the
 * database and its write-ahead log): what an attacker with the disk but not master.key would read.
 */
async function markerInDatabaseFiles(dataDir: string): Promise<boolean> {
  for (const name of ['meta.db', 'meta.db-wal']) {
    const bytes = await fs.readFile(path.join(dataDir, name)).catch(() => Buffer.alloc(0));
    if (bytes.includes(MARKER)) return true;
  }
  return false;
}

async function body(t: TestServer, bucket: string, key: string, range?: string): Promise<Buffer> {
  const res = await t.s3().send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) }));
  return readAll(res.Body as AsyncIterable<Uint8Array>);
}

describe('server-side encryption (SSE-S3 / SSE-COS, AES256)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A fresh bucket, so each test's data-directory scan sees only its own blobs plus earlier ones. */
  async function bucket(prefix: string): Promise<string> {
    const name = t.bucketName(prefix);
    await t.s3().send(new CreateBucketCommand({ Bucket: name }));
    return name;
  }

  it('PUT with AES256: the header comes back on PUT, HEAD and GET; the bytes read back; none is stored in the clear', async () => {
    const s3 = t.s3();
    const b = await bucket('sse-put');
    const data = plaintext(3 * MiB + 17);
    const before = await blobsInTheClear(t.dataDir);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: b, Key: 'k', Body: data, ServerSideEncryption: 'AES256' }),
    );
    expect(put.ServerSideEncryption).toBe('AES256');
    expect(put.ETag).toBe(`"${md5Hex(data)}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
    expect(head.ServerSideEncryption).toBe('AES256');
    expect(head.ContentLength).toBe(data.length);
    const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
    expect(got.ServerSideEncryption).toBe('AES256');
    expect(md5Hex(await readAll(got.Body as AsyncIterable<Uint8Array>))).toBe(md5Hex(data));
    // Ranges that start and end inside AES blocks, and a small one (the buffered read path).
    expect((await body(t, b, 'k', 'bytes=1000001-2000017')).equals(data.subarray(1000001, 2000018))).toBe(true);
    expect((await body(t, b, 'k', 'bytes=5-40')).equals(data.subarray(5, 41))).toBe(true);
    expect((await body(t, b, 'k', 'bytes=-3')).equals(data.subarray(-3))).toBe(true);
    expect(await blobsInTheClear(t.dataDir)).toBe(before);

    // The same bytes without encryption are stored in the clear: the scan does see plaintext.
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: data }));
    expect(await blobsInTheClear(t.dataDir)).toBe(before + 1);
    const plainHead = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'plain' }));
    expect(plainHead.ServerSideEncryption).toBeUndefined();
  });

  it('refuses what it cannot honour, and stores nothing: an unknown algorithm or a contradiction is 400, dual-layer KMS 501', async () => {
    const s3 = t.s3();
    const b = await bucket('sse-refuse');
    expect(
      await sdkError(
        s3.send(new PutObjectCommand({ Bucket: b, Key: 'kms', Body: 'x', ServerSideEncryption: 'aws:kms:dsse' })),
      ),
    ).toMatchObject({ status: 501, code: 'NotImplemented' });
    expect(
      await sdkError(
        s3.send(
          new PutObjectCommand({
            Bucket: b,
            Key: 'ssec',
            Body: 'x',
            ServerSideEncryption: 'AES256',
            SSECustomerAlgorithm: 'AES256',
            SSECustomerKey: Buffer.alloc(32, 7).toString('base64'),
          }),
        ),
      ),
    ).toMatchObject({ status: 400, code: 'InvalidArgument' });
    const bad = await rawRequest(t, {
      method: 'PUT',
      path: `/${b}/bad`,
      body: 'x',
      headers: { 'x-amz-server-side-encryption': 'AES128' },
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('<Code>InvalidArgument</Code>');
    expect(bad.text).toContain('<ArgumentName>x-amz-server-side-encryption</ArgumentName>');
    // Contradictions and unknown methods are 400 (not 501): a KMS key id with AES256, a made-up method.
    for (const headers of [
      { 'x-amz-server-side-encryption': 'AES256', 'x-amz-server-side-encryption-aws-kms-key-id': 'fool-me-once' },
      { 'x-amz-server-side-encryption': 'aes:kms' },
    ]) {
      const res = await rawRequest(t, { method: 'PUT', path: `/${b}/bad`, body: 'x', headers });
      expect(res.status, JSON.stringify(headers)).toBe(400);
      expect(res.text).toContain('<Code>InvalidArgument</Code>');
    }
    for (const key of ['kms', 'ssec', 'bad']) {
      expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket: b, Key: key })))).toMatchObject({ status: 404 });
    }
    // Reads take no encryption headers: x-amz-server-side-encryption is 400 on GET and HEAD (as S3), and
    // SSE-C key headers are refused too (the object is not protected by that key): 400 InvalidRequest.
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: 'x', ServerSideEncryption: 'AES256' }));
    for (const method of ['GET', 'HEAD']) {
      const res = await rawRequest(t, {
        method,
        path: `/${b}/plain`,
        headers: { 'x-amz-server-side-encryption': 'AES256' },
      });
      expect(res.status, method).toBe(400);
    }
    expect(
      await sdkError(
        s3.send(
          new GetObjectCommand({
            Bucket: b,
            Key: 'plain',
            SSECustomerAlgorithm: 'AES256',
            SSECustomerKey: Buffer.alloc(32, 7).toString('base64'),
          }),
        ),
      ),
    ).toMatchObject({ status: 400, code: 'InvalidRequest' });
  });

  it('bucket default encryption: GET/PUT/DELETE ?encryption, and writes without the header are encrypted while it is set', async () => {
    const s3 = t.s3();
    const b = await bucket('sse-default');
    expect(await sdkError(s3.send(new GetBucketEncryptionCommand({ Bucket: b })))).toMatchObject({
      status: 404,
      code: 'ServerSideEncryptionConfigurationNotFoundError',
    });
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: b,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }],
        },
      }),
    );
    const config = await s3.send(new GetBucketEncryptionCommand({ Bucket: b }));
    expect(config.ServerSideEncryptionConfiguration?.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true },
    ]);
    const before = await blobsInTheClear(t.dataDir);
    const data = plaintext(64 * 1024);
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'by-default', Body: data }));
    expect(put.ServerSideEncryption).toBe('AES256');
    expect(await blobsInTheClear(t.dataDir)).toBe(before);
    expect((await body(t, b, 'by-default')).equals(data)).toBe(true);

    // Refused configurations leave the one in place.
    expect(
      await sdkError(
        s3.send(
          new PutBucketEncryptionCommand({
            Bucket: b,
            ServerSideEncryptionConfiguration: {
              Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse' } }],
            },
          }),
        ),
      ),
    ).toMatchObject({ status: 501, code: 'NotImplemented' });
    const malformed = await rawRequest(t, {
      method: 'PUT',
      path: `/${b}`,
      query: 'encryption',
      body: '<ServerSideEncryptionConfiguration><Rule></Rule></ServerSideEncryptionConfiguration>',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain('<Code>MalformedXML</Code>');
    const unknown = await rawRequest(t, {
      method: 'PUT',
      path: `/${b}`,
      query: 'encryption',
      body: '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>DES</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('<Code>InvalidArgument</Code>');
    expect(
      (await s3.send(new GetBucketEncryptionCommand({ Bucket: b }))).ServerSideEncryptionConfiguration?.Rules,
    ).toHaveLength(1);

    // Only the owner configures it.
    const anonymous = await rawRequest(t, { method: 'GET', path: `/${b}`, query: 'encryption', sign: 'none' });
    expect(anonymous.status).toBe(403);

    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: b }));
    expect(await sdkError(s3.send(new GetBucketEncryptionCommand({ Bucket: b })))).toMatchObject({ status: 404 });
    const after = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'after-delete', Body: data }));
    expect(after.ServerSideEncryption).toBeUndefined();
    // The object written under the default stays encrypted and readable.
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'by-default' }))).ServerSideEncryption).toBe(
      'AES256',
    );
  });

  it('copy: encrypted → clear and clear → encrypted rewrite the bytes; encrypted → encrypted shares them; in place with the header encrypts', async () => {
    const s3 = t.s3();
    const b = await bucket('sse-copy');
    const data = plaintext(2 * MiB + 3);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'sealed', Body: data, ServerSideEncryption: 'AES256' }));
    const blobsBefore = (await blobContents(t.dataDir)).size;

    const same = await s3.send(
      new CopyObjectCommand({
        Bucket: b,
        Key: 'sealed-copy',
        CopySource: `${b}/sealed`,
        ServerSideEncryption: 'AES256',
      }),
    );
    expect(same.ServerSideEncryption).toBe('AES256');
    expect((await blobContents(t.dataDir)).size).toBe(blobsBefore); // zero-copy

    const clear = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'clear-copy', CopySource: `${b}/sealed` }));
    expect(clear.ServerSideEncryption).toBeUndefined();
    expect(clear.CopyObjectResult?.ETag).toBe(`"${md5Hex(data)}"`);
    expect(
      (await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'clear-copy' }))).ServerSideEncryption,
    ).toBeUndefined();
    expect((await body(t, b, 'clear-copy')).equals(data)).toBe(true);
    const inTheClear = await blobsInTheClear(t.dataDir);

    // Copying an object onto itself is illegal without a change, and encrypts it with the header.
    expect(
      await sdkError(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'clear-copy', CopySource: `${b}/clear-copy` }))),
    ).toMatchObject({ status: 400, code: 'InvalidRequest' });
    const inPlace = await s3.send(
      new CopyObjectCommand({
        Bucket: b,
        Key: 'clear-copy',
        CopySource: `${b}/clear-copy`,
        ServerSideEncryption: 'AES256',
      }),
    );
    expect(inPlace.ServerSideEncryption).toBe('AES256');
    expect((await body(t, b, 'clear-copy', 'bytes=100-1048676')).equals(data.subarray(100, 1048677))).toBe(true);
    await t.server.engine.collectGarbage();
    expect(await blobsInTheClear(t.dataDir)).toBe(inTheClear - 1);
  });

  it('multipart: Initiate, UploadPart and Complete answer AES256; parts are encrypted; UploadPartCopy from a clear source is encrypted', async () => {
    const s3 = t.s3();
    const b = await bucket('sse-mpu');
    const before = await blobsInTheClear(t.dataDir);
    const data = plaintext(11 * MiB + 5);
    const done = await new Upload({
      client: s3,
      params: { Bucket: b, Key: 'big', Body: data, ServerSideEncryption: 'AES256' },
      partSize: 5 * MiB,
    }).done();
    expect(done.ServerSideEncryption).toBe('AES256');
    expect(await blobsInTheClear(t.dataDir)).toBe(before);
    // A range across the first part boundary.
    expect(
      (await body(t, b, 'big', `bytes=${5 * MiB - 9}-${5 * MiB + 9}`)).equals(data.subarray(5 * MiB - 9, 5 * MiB + 10)),
    ).toBe(true);
    expect(md5Hex(await body(t, b, 'big'))).toBe(md5Hex(data));

    // Part by part, with a copied part whose source is stored in the clear.
    const clearSource = plaintext(MiB);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'clear-src', Body: clearSource }));
    const inTheClear = await blobsInTheClear(t.dataDir);
    const init = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: b, Key: 'parts', ServerSideEncryption: 'AES256' }),
    );
    expect(init.ServerSideEncryption).toBe('AES256');
    const first = plaintext(5 * MiB);
    const part1 = await s3.send(
      new UploadPartCommand({ Bucket: b, Key: 'parts', UploadId: init.UploadId, PartNumber: 1, Body: first }),
    );
    expect(part1.ServerSideEncryption).toBe('AES256');
    const part2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: b,
        Key: 'parts',
        UploadId: init.UploadId,
        PartNumber: 2,
        CopySource: `${b}/clear-src`,
        CopySourceRange: 'bytes=7-1000006',
      }),
    );
    expect(part2.ServerSideEncryption).toBe('AES256');
    expect(part2.CopyPartResult?.ETag).toBe(`"${md5Hex(clearSource.subarray(7, 1000007))}"`);
    const complete = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: b,
        Key: 'parts',
        UploadId: init.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: part1.ETag },
            { PartNumber: 2, ETag: part2.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    expect(complete.ServerSideEncryption).toBe('AES256');
    expect(await blobsInTheClear(t.dataDir)).toBe(inTheClear);
    const whole = await body(t, b, 'parts');
    expect(whole.equals(Buffer.concat([first, clearSource.subarray(7, 1000007)]))).toBe(true);
  });

  it('encrypted objects survive a restart (the key derives from the data directory’s master key)', async () => {
    const own = await startTestServer();
    try {
      const b = own.bucketName('sse-restart');
      await own.s3().send(new CreateBucketCommand({ Bucket: b }));
      const data = plaintext(300 * 1024 + 1);
      await own.s3().send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: data, ServerSideEncryption: 'AES256' }));
      await own.server.close();
      const again = await startTestServer({ dataDir: own.dataDir });
      try {
        const got = await again.s3().send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
        expect(got.ServerSideEncryption).toBe('AES256');
        expect((await readAll(got.Body as AsyncIterable<Uint8Array>)).equals(data)).toBe(true);
      } finally {
        await again.close();
      }
    } finally {
      await fs.rm(own.dataDir, { recursive: true, force: true });
    }
  });

  it('cos-nodejs-sdk-v5: putObject with ServerSideEncryption, headObject, putBucketEncryption / getBucketEncryption, appendObject under the default', async () => {
    const cos = t.cos('path');
    const Bucket = t.bucketName('sse-cos');
    await cos.putBucket({ Bucket, Region: TEST_REGION });
    const data = plaintext(100 * 1024);
    const before = await blobsInTheClear(t.dataDir);
    const put = await cos.putObject({
      Bucket,
      Region: TEST_REGION,
      Key: 'k',
      Body: data,
      ServerSideEncryption: 'AES256',
    });
    expect(put.headers?.['x-cos-server-side-encryption']).toBe('AES256');
    const head = await cos.headObject({ Bucket, Region: TEST_REGION, Key: 'k' });
    expect(head.headers?.['x-cos-server-side-encryption']).toBe('AES256');
    const got = await cos.getObject({ Bucket, Region: TEST_REGION, Key: 'k' });
    expect(Buffer.from(got.Body as Buffer).equals(data)).toBe(true);

    expect((await cos.getBucketEncryption({ Bucket, Region: TEST_REGION })).EncryptionConfiguration).toEqual({
      Rules: [],
    });
    await cos.putBucketEncryption({
      Bucket,
      Region: TEST_REGION,
      ServerSideEncryptionConfiguration: { Rule: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    // The document as COS returns it (root ServerSideEncryptionConfiguration). Tencent's SDK also fills
    // EncryptionConfiguration.Rules from an element named EncryptionConfiguration, which COS's documented
    // response does not have, so that stays empty there as here.
    const config = (await cos.getBucketEncryption({ Bucket, Region: TEST_REGION })) as unknown as {
      ServerSideEncryptionConfiguration: { Rule: { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: string } } };
    };
    expect(config.ServerSideEncryptionConfiguration.Rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm).toBe(
      'AES256',
    );

    const appended = await cos.appendObject({ Bucket, Region: TEST_REGION, Key: 'log', Position: 0, Body: data });
    expect(appended.headers?.['x-cos-server-side-encryption']).toBe('AES256');
    await cos.appendObject({ Bucket, Region: TEST_REGION, Key: 'log', Position: data.length, Body: data });
    const log = await cos.getObject({ Bucket, Region: TEST_REGION, Key: 'log' });
    expect(Buffer.from(log.Body as Buffer).equals(Buffer.concat([data, data]))).toBe(true);
    expect(await blobsInTheClear(t.dataDir)).toBe(before);
  });

  it('POST Object with the x-amz-server-side-encryption field stores the file encrypted', async () => {
    const b = await bucket('sse-post');
    const before = await blobsInTheClear(t.dataDir);
    const data = plaintext(10 * 1024);
    const fields = sigV4SignedFields(
      t,
      policyDoc([{ bucket: b }, ['starts-with', '$key', ''], { 'x-amz-server-side-encryption': 'AES256' }]),
    );
    const res = await postForm(
      t,
      b,
      formBody([['key', 'posted'], ['x-amz-server-side-encryption', 'AES256'], ...fields], { content: data }),
    );
    expect(res.status).toBe(204);
    expect(res.headers['x-amz-server-side-encryption']).toBe('AES256');
    expect(await blobsInTheClear(t.dataDir)).toBe(before);
    expect((await body(t, b, 'posted')).equals(data)).toBe(true);
  });
  it('small objects kept inline in the metadata database are sealed there too: no plaintext in meta.db or its WAL', async () => {
    const b = t.bucketName('sse-inline');
    // Its own server, so the database files hold nothing but this test's writes.
    const own = await startTestServer();
    try {
      const c = own.s3();
      await c.send(new CreateBucketCommand({ Bucket: b }));
      const small = plaintext(4096);
      const put = await c.send(
        new PutObjectCommand({ Bucket: b, Key: 'small-sealed', Body: small, ServerSideEncryption: 'AES256' }),
      );
      expect(put.ServerSideEncryption).toBe('AES256');
      // Stored inline (no blob file), sealed.
      const inline = inlineBodies(own.dataDir);
      expect(inline.size).toBe(1);
      expect([...inline.values()][0]!.length).toBe(4096);
      expect(await blobsInTheClear(own.dataDir)).toBe(0);
      // The database files are SQLite's (with --metadata postgres the bodies are checked above, read from PostgreSQL).
      const scanFiles = !metadataOnPostgres();
      if (scanFiles) expect(await markerInDatabaseFiles(own.dataDir)).toBe(false);
      expect((await body(own, b, 'small-sealed')).equals(small)).toBe(true);
      expect((await body(own, b, 'small-sealed', 'bytes=100-4000')).equals(small.subarray(100, 4001))).toBe(true);
      // A copy that decrypts, and one that encrypts again: the clear copy is visible to the scan.
      await c.send(new CopyObjectCommand({ Bucket: b, Key: 'small-clear', CopySource: `${b}/small-sealed` }));
      expect(await blobsInTheClear(own.dataDir)).toBe(1);
      if (scanFiles) expect(await markerInDatabaseFiles(own.dataDir)).toBe(true);
      await c.send(
        new CopyObjectCommand({
          Bucket: b,
          Key: 'small-resealed',
          CopySource: `${b}/small-clear`,
          ServerSideEncryption: 'AES256',
        }),
      );
      expect(await blobsInTheClear(own.dataDir)).toBe(1);
      expect((await body(own, b, 'small-resealed')).equals(small)).toBe(true);
      expect((await body(own, b, 'small-clear')).equals(small)).toBe(true);
    } finally {
      await own.close();
    }
  });
});

import {
  CopyObjectCommand,
  type CopyObjectCommandInput,
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeKeyPath, errorOf, md5Hex, rawRequest, recordWire, sdkError, xmlFields } from './helpers/s3.js';
import { startTestServer, TEST_REGION, type TestServer } from './helpers/server.js';

const SOURCE_BODY = 'the source object';
/** A source key that must be percent-encoded in the copy source header. */
const AWKWARD_SOURCE = 'src dir/ü+?#%.txt';

describe('S3 PUT Object - Copy (@aws-sdk/client-s3)', () => {
  let t: TestServer;
  let s3: S3Client;
  let wire: ReturnType<typeof recordWire>;
  let bucket: string;
  let other: string;
  let sourceEtag: string;
  let sourceLastModified: Date;
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    wire = recordWire(s3);
    bucket = t.bucketName('copy');
    other = t.bucketName('copydst');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: other }));
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'src.txt',
        Body: SOURCE_BODY,
        ContentType: 'text/x-source',
        CacheControl: 'max-age=60',
        Metadata: { origin: 'source' },
        StorageClass: 'STANDARD_IA',
      }),
    );
    sourceEtag = put.ETag!;
    sourceLastModified = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'src.txt' }))).LastModified!;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: AWKWARD_SOURCE, Body: 'awkward source' }));
  });
  afterAll(async () => {
    await t.close();
  });

  const copy = (input: Partial<CopyObjectCommandInput> & { Key: string; CopySource: string }) =>
    s3.send(new CopyObjectCommand({ Bucket: bucket, ...input }));

  async function text(b: string, key: string): Promise<string> {
    const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: key }));
    return got.Body!.transformToString();
  }

  it.each([
    ['bucket/key', (b: string) => `${b}/src.txt`],
    ['/bucket/key', (b: string) => `/${b}/src.txt`],
    ["COS's bucket-appid.cos.region.myqcloud.com/key", (b: string) => `${b}.cos.${TEST_REGION}.myqcloud.com/src.txt`],
  ])('copies from a copy source written as %s', async (_form, source) => {
    const key = `dst-${Math.random().toString(36).slice(2)}`;
    const res = await copy({ Key: key, CopySource: source(bucket) });
    expect(res.$metadata.httpStatusCode).toBe(200);
    expect(res.CopyObjectResult?.ETag).toBe(sourceEtag);
    expect(Math.abs(res.CopyObjectResult!.LastModified!.getTime() - Date.now())).toBeLessThan(5000);
    expect(wire.at(-1)!.headers['x-amz-copy-source']).toBe(source(bucket));
    expect(wire.at(-1)!.responseHeaders['x-cos-hash-crc64ecma']).toMatch(/^\d+$/);
    expect(await text(bucket, key)).toBe(SOURCE_BODY);
  });

  it('copies a specific version with ?versionId and reports x-amz-copy-source-version-id', async () => {
    const res = await copy({ Key: 'by-version', CopySource: `${bucket}/src.txt?versionId=null` });
    expect(res.CopySourceVersionId).toBe('null');
    expect(await text(bucket, 'by-version')).toBe(SOURCE_BODY);
    const missing = await sdkError(
      copy({ Key: 'by-version2', CopySource: `${bucket}/src.txt?versionId=v-does-not-exist` }),
    );
    expect(missing).toMatchObject({ status: 404, code: 'NoSuchVersion' });
  });

  it('copies an older version of a versioned source by its version id', async () => {
    const versioned = t.bucketName('copyver');
    await s3.send(new CreateBucketCommand({ Bucket: versioned }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: versioned, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const v1 = await s3.send(new PutObjectCommand({ Bucket: versioned, Key: 'doc', Body: 'version one' }));
    await s3.send(new PutObjectCommand({ Bucket: versioned, Key: 'doc', Body: 'version two' }));
    expect(v1.VersionId).toMatch(/^[A-Za-z0-9._-]+$/);
    const res = await s3.send(
      new CopyObjectCommand({
        Bucket: versioned,
        Key: 'restored',
        CopySource: `${versioned}/doc?versionId=${encodeURIComponent(v1.VersionId!)}`,
      }),
    );
    expect(res.CopySourceVersionId).toBe(v1.VersionId);
    expect(res.VersionId).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(res.VersionId).not.toBe(v1.VersionId);
    expect(await text(versioned, 'restored')).toBe('version one');
    expect(await text(versioned, 'doc')).toBe('version two');
  });

  it('decodes a percent-encoded source key ("+" stays a plus) and copies across buckets', async () => {
    const source = `${bucket}/${encodeKeyPath(AWKWARD_SOURCE)}`;
    expect(source).toContain('%2B');
    const res = await s3.send(new CopyObjectCommand({ Bucket: other, Key: 'copied ü.txt', CopySource: source }));
    expect(res.CopyObjectResult?.ETag).toBe(`"${md5Hex('awkward source')}"`);
    expect(await text(other, 'copied ü.txt')).toBe('awkward source');
  });

  it('MetadataDirective COPY (the default) keeps the source headers and metadata, ignoring the request', async () => {
    await copy({
      Key: 'meta-copy',
      CopySource: `${bucket}/src.txt`,
      ContentType: 'text/ignored',
      Metadata: { x: 'y' },
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'meta-copy' }));
    expect(head).toMatchObject({
      ContentType: 'text/x-source',
      CacheControl: 'max-age=60',
      Metadata: { origin: 'source' },
    });
  });

  it('MetadataDirective REPLACE takes headers and metadata from the request', async () => {
    await copy({
      Key: 'meta-replace',
      CopySource: `${bucket}/src.txt`,
      MetadataDirective: 'REPLACE',
      ContentType: 'application/json',
      ContentDisposition: 'inline',
      Metadata: { fresh: 'yes' },
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'meta-replace' }));
    expect(head).toMatchObject({
      ContentType: 'application/json',
      ContentDisposition: 'inline',
      Metadata: { fresh: 'yes' },
    });
    expect(head.CacheControl).toBeUndefined();
    expect(head.ETag).toBe(sourceEtag);
  });

  it("accepts COS's x-cos-metadata-directive: Replaced", async () => {
    const res = await rawRequest(t, {
      method: 'PUT',
      path: `/${bucket}/cos-replaced`,
      headers: {
        'x-cos-copy-source': `${bucket}.cos.${TEST_REGION}.myqcloud.com/src.txt`,
        'x-cos-metadata-directive': 'Replaced',
        'x-cos-meta-via': 'cos',
        'content-type': 'text/cos',
      },
    });
    expect(res.status).toBe(200);
    expect(xmlFields(res.text)['ETag']).toBe(sourceEtag.replaceAll('"', '&quot;'));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'cos-replaced' }));
    expect(head).toMatchObject({ ContentType: 'text/cos', Metadata: { via: 'cos' } });
  });

  it('an unknown MetadataDirective is 400 InvalidArgument', async () => {
    const res = await rawRequest(t, {
      method: 'PUT',
      path: `/${bucket}/bad-directive`,
      headers: { 'x-amz-copy-source': `${bucket}/src.txt`, 'x-amz-metadata-directive': 'MERGE' },
    });
    expect(errorOf(res)).toMatchObject({ status: 400, code: 'InvalidArgument' });
  });

  it('REPLACE with metadata over 2 KB is 400 MetadataTooLarge', async () => {
    const err = await sdkError(
      copy({
        Key: 'meta-big',
        CopySource: `${bucket}/src.txt`,
        MetadataDirective: 'REPLACE',
        Metadata: { big: 'x'.repeat(2100) },
      }),
    );
    expect(err).toMatchObject({ status: 400, code: 'MetadataTooLarge' });
  });

  describe('x-amz-copy-source-if-*', () => {
    const past = () => new Date(sourceLastModified.getTime() - 3_600_000);
    const future = () => new Date(sourceLastModified.getTime() + 3_600_000);

    it('copies when every condition holds', async () => {
      const res = await copy({
        Key: 'cond-ok',
        CopySource: `${bucket}/src.txt`,
        CopySourceIfMatch: sourceEtag,
        CopySourceIfUnmodifiedSince: future(),
      });
      expect(res.CopyObjectResult?.ETag).toBe(sourceEtag);
      const res2 = await copy({
        Key: 'cond-ok2',
        CopySource: `${bucket}/src.txt`,
        CopySourceIfNoneMatch: '"other"',
        CopySourceIfModifiedSince: past(),
      });
      expect(res2.CopyObjectResult?.ETag).toBe(sourceEtag);
    });

    it.each([
      ['if-match names another ETag', { CopySourceIfMatch: '"0123456789abcdef0123456789abcdef"' }],
      ['if-none-match names the ETag', { CopySourceIfNoneMatch: 'SOURCE' }],
      ['if-modified-since is after the change', { CopySourceIfModifiedSince: 'FUTURE' }],
      ['if-unmodified-since is before the change', { CopySourceIfUnmodifiedSince: 'PAST' }],
    ])('412 PreconditionFailed when %s, and nothing is written', async (_label, condition) => {
      const resolved = Object.fromEntries(
        Object.entries(condition).map(([k, v]) => [
          k,
          v === 'SOURCE' ? sourceEtag : v === 'FUTURE' ? future() : v === 'PAST' ? past() : v,
        ]),
      );
      const key = `cond-fail-${Object.keys(condition)[0]}`;
      const err = await sdkError(copy({ Key: key, CopySource: `${bucket}/src.txt`, ...resolved }));
      expect(err).toMatchObject({ status: 412, code: 'PreconditionFailed' });
      expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).toMatchObject({
        status: 404,
      });
    });
  });

  describe('copying an object onto itself', () => {
    it('without REPLACE or a storage class change is 400 InvalidRequest', async () => {
      const err = await sdkError(copy({ Key: 'src.txt', CopySource: `${bucket}/src.txt` }));
      expect(err).toMatchObject({ status: 400, code: 'InvalidRequest' });
      expect(err.message).toContain('copy an object to itself');
      // Same storage class as it already has: still illegal.
      const same = await sdkError(
        copy({ Key: 'src.txt', CopySource: `${bucket}/src.txt`, StorageClass: 'STANDARD_IA' }),
      );
      expect(same).toMatchObject({ status: 400, code: 'InvalidRequest' });
    });

    // A copy onto itself reuses its own blobs: the store must retain them before releasing the replaced version.
    it('with REPLACE updates its metadata in place', async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'self', Body: 'self body', Metadata: { v: '1' } }));
      await copy({ Key: 'self', CopySource: `${bucket}/self`, MetadataDirective: 'REPLACE', Metadata: { v: '2' } });
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'self' }));
      expect(head.Metadata).toEqual({ v: '2' });
      expect(await text(bucket, 'self')).toBe('self body');
    });

    it('changing only the storage class is allowed (and keeps the metadata)', async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'tier', Body: 'tier body', Metadata: { keep: 'me' } }));
      await copy({ Key: 'tier', CopySource: `${bucket}/tier`, StorageClass: 'STANDARD_IA' });
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'tier' }));
      expect(head.StorageClass).toBe('STANDARD_IA');
      expect(head.Metadata).toEqual({ keep: 'me' });
      expect(wire.at(-1)!.responseHeaders['x-cos-storage-class']).toBe('STANDARD_IA');
    });
  });

  it('a refused self-copy leaves the object intact', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'intact', Body: 'intact body', Metadata: { v: '1' } }));
    expect(await sdkError(copy({ Key: 'intact', CopySource: `${bucket}/intact` }))).toMatchObject({
      status: 400,
      code: 'InvalidRequest',
    });
    expect(await text(bucket, 'intact')).toBe('intact body');
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'intact' }))).Metadata).toEqual({ v: '1' });
  });

  it('the storage class comes from the request: STANDARD unless given', async () => {
    await copy({ Key: 'sc-default', CopySource: `${bucket}/src.txt` });
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sc-default' }))).StorageClass).toBeUndefined();
    await copy({ Key: 'sc-archive', CopySource: `${bucket}/src.txt`, StorageClass: 'INTELLIGENT_TIERING' });
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sc-archive' }));
    expect(head.StorageClass).toBe('INTELLIGENT_TIERING');
  });

  it('keeps the source checksums: GET with ChecksumMode validates the copy', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sum-src', Body: '123456789' }));
    await copy({ Key: 'sum-dst', CopySource: `${bucket}/sum-src` });
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'sum-dst', ChecksumMode: 'ENABLED' }));
    expect(await got.Body!.transformToString()).toBe('123456789');
    expect(got.ChecksumCRC32).toBe('y/Q5Jg==');
    expect(wire.at(-1)!.responseHeaders['x-cos-hash-crc64ecma']).toBe('11051210869376104954');
  });

  it('a missing source key is 404 NoSuchKey, a missing source bucket 404 NoSuchBucket', async () => {
    expect(await sdkError(copy({ Key: 'x', CopySource: `${bucket}/no-such-key` }))).toMatchObject({
      status: 404,
      code: 'NoSuchKey',
    });
    expect(await sdkError(copy({ Key: 'x', CopySource: `${t.bucketName('nobucket')}/src.txt` }))).toMatchObject({
      status: 404,
      code: 'NoSuchBucket',
    });
    expect(
      await sdkError(
        s3.send(new CopyObjectCommand({ Bucket: t.bucketName('nodst'), Key: 'x', CopySource: `${bucket}/src.txt` })),
      ),
    ).toMatchObject({ status: 404, code: 'NoSuchBucket' });
  });

  it.each(['just-a-bucket', `/only-bucket/`, '/', '%zz/key'])(
    'a malformed copy source (%s) is 400, never 500',
    async (source) => {
      const res = await rawRequest(t, {
        method: 'PUT',
        path: `/${bucket}/malformed`,
        headers: { 'x-amz-copy-source': source },
      });
      const err = errorOf(res);
      expect(err.status).toBe(400);
      expect(['InvalidArgument', 'InvalidURI']).toContain(err.code);
    },
  );
});

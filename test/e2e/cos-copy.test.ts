/**
 * putObjectCopy through cos-nodejs-sdk-v5: CopySource in the `<bucket-appid>.cos.<region>.myqcloud.com/<key>`
 * form the SDK insists on, MetadataDirective Copy / Replaced, CopySourceIf*, ?versionId, copying onto
 * itself, storage class change by copy and rename by copy + delete (COS API FAQ,
 * https://intl.cloud.tencent.com/document/product/436/10687).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COS_MODES, copySource, cosError, crc64ecma, expectCosError, md5Hex, REGION } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

const BODY = 'copy me, byte for byte';
/** A source key the CopySource header must percent-encode (the SDK docs say to escape such keys). */
const AWKWARD_KEY = 'a/中文 file(1).jpg';

describe.each(COS_MODES)('cos-nodejs-sdk-v5 putObjectCopy, %s style', (mode) => {
  const Source = `copysrc${mode}-1250000000`;
  const Bucket = `copydst${mode}-1250000000`;
  beforeAll(async () => {
    const cos = t.cos(mode);
    await cos.putBucket({ Bucket: Source, Region: REGION });
    await cos.putBucket({ Bucket, Region: REGION });
    await cos.putObject({
      Bucket: Source,
      Region: REGION,
      Key: '2.jpg',
      Body: BODY,
      ContentType: 'image/jpeg',
      'x-cos-meta-origin': 'camera',
    });
  });

  it('COS JS SDK example: copies across buckets with the content, headers and metadata', async () => {
    const cos = t.cos(mode);
    const data = await cos.putObjectCopy({
      Bucket,
      Region: REGION,
      Key: 'picture.jpg',
      CopySource: copySource(Source, '2.jpg'),
    });
    expect(data.statusCode).toBe(200);
    expect(data.ETag).toBe(`"${md5Hex(BODY)}"`);
    expect(data.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(data.CRC64).toBe(crc64ecma(BODY));
    expect(data.headers?.['x-cos-hash-crc64ecma']).toBe(crc64ecma(BODY));

    const got = await cos.getObject({ Bucket, Region: REGION, Key: 'picture.jpg' });
    expect(got.Body?.toString()).toBe(BODY);
    expect(got.headers).toMatchObject({ 'content-type': 'image/jpeg', 'x-cos-meta-origin': 'camera' });
  });

  it('a source key with spaces, parentheses and UTF-8 is found through the encoded CopySource', async () => {
    const cos = t.cos(mode);
    await cos.putObject({ Bucket: Source, Region: REGION, Key: AWKWARD_KEY, Body: 'awkward' });
    await cos.putObjectCopy({ Bucket, Region: REGION, Key: AWKWARD_KEY, CopySource: copySource(Source, AWKWARD_KEY) });
    const got = await cos.getObject({ Bucket, Region: REGION, Key: AWKWARD_KEY });
    expect(got.Body?.toString()).toBe('awkward');
  });
});

describe('cos-nodejs-sdk-v5 putObjectCopy options', () => {
  const Bucket = 'copyopts-1250000000';
  let etag: string;
  let lastModified: string;
  const before = new Date(Date.now() - 3_600_000).toUTCString();
  const after = new Date(Date.now() + 3_600_000).toUTCString();

  beforeAll(async () => {
    const cos = t.cos('path');
    await cos.putBucket({ Bucket, Region: REGION });
    etag = (
      await cos.putObject({
        Bucket,
        Region: REGION,
        Key: 'src.txt',
        Body: BODY,
        ContentType: 'text/plain',
        CacheControl: 'no-cache',
        'x-cos-meta-color': 'red',
      })
    ).ETag;
    lastModified = (await cos.headObject({ Bucket, Region: REGION, Key: 'src.txt' })).headers!['last-modified']!;
  });

  it('MetadataDirective Copy (the default) ignores the metadata in the request', async () => {
    const cos = t.cos('vhost');
    await cos.putObjectCopy({
      Bucket,
      Region: REGION,
      Key: 'copied.txt',
      CopySource: copySource(Bucket, 'src.txt'),
      MetadataDirective: 'Copy',
      ContentType: 'application/json',
      'x-cos-meta-color': 'blue',
    });
    const head = await cos.headObject({ Bucket, Region: REGION, Key: 'copied.txt' });
    expect(head.headers).toMatchObject({
      'content-type': 'text/plain',
      'cache-control': 'no-cache',
      'x-cos-meta-color': 'red',
    });
  });

  it('MetadataDirective Replaced takes content headers and metadata from the request only', async () => {
    const cos = t.cos('vhost');
    await cos.putObjectCopy({
      Bucket,
      Region: REGION,
      Key: 'replaced.txt',
      CopySource: copySource(Bucket, 'src.txt'),
      MetadataDirective: 'Replaced',
      ContentType: 'application/json',
      'x-cos-meta-shape': 'round',
    });
    const head = await cos.headObject({ Bucket, Region: REGION, Key: 'replaced.txt' });
    expect(head.headers).toMatchObject({ 'content-type': 'application/json', 'x-cos-meta-shape': 'round' });
    expect(head.headers?.['x-cos-meta-color']).toBeUndefined();
    expect(head.headers?.['cache-control']).toBeUndefined();
    expect(head.ETag).toBe(etag);
  });

  it('copying an object onto itself with MetadataDirective Copy is 400 InvalidRequest', async () => {
    const err = await cosError(
      t
        .cos('path')
        .putObjectCopy({ Bucket, Region: REGION, Key: 'src.txt', CopySource: copySource(Bucket, 'src.txt') }),
    );
    expectCosError(err, { statusCode: 400, code: 'InvalidRequest', resource: `${Bucket}/src.txt` });
  });

  // A copy onto itself shares the replaced version's blobs: the store must retain them before release.
  it('COS JS SDK: copying onto itself with Replaced modifies the metadata in place', async () => {
    const cos = t.cos('path');
    await cos.putObject({ Bucket, Region: REGION, Key: 'self.txt', Body: 'self', 'x-cos-meta-v': '1' });
    await cos.putObjectCopy({
      Bucket,
      Region: REGION,
      Key: 'self.txt',
      CopySource: copySource(Bucket, 'self.txt'),
      MetadataDirective: 'Replaced',
      ContentType: 'text/markdown',
      'x-cos-meta-v': '2',
    });
    const got = await cos.getObject({ Bucket, Region: REGION, Key: 'self.txt' });
    expect(got.Body?.toString()).toBe('self');
    expect(got.headers).toMatchObject({ 'content-type': 'text/markdown', 'x-cos-meta-v': '2' });
  });

  it('COS API FAQ: the storage class of an object is changed by copying it onto itself', async () => {
    const cos = t.cos('ip');
    await cos.putObject({ Bucket, Region: REGION, Key: 'tier.bin', Body: 'tier', 'x-cos-meta-keep': 'yes' });
    await cos.putObjectCopy({
      Bucket,
      Region: REGION,
      Key: 'tier.bin',
      CopySource: copySource(Bucket, 'tier.bin'),
      StorageClass: 'STANDARD_IA',
    });
    const head = await cos.headObject({ Bucket, Region: REGION, Key: 'tier.bin' });
    expect(head.headers?.['x-cos-storage-class']).toBe('STANDARD_IA');
    expect(head.headers?.['x-cos-meta-keep']).toBe('yes');
    const listed = await cos.getBucket({ Bucket, Region: REGION, Prefix: 'tier.bin' });
    expect(listed.Contents.map((c) => c.StorageClass)).toEqual(['STANDARD_IA']);
  });

  it('a copy lands in the StorageClass it names, else STANDARD whatever the source (COS PUT Object - Copy)', async () => {
    const cos = t.cos('ip');
    await cos.putObject({ Bucket, Region: REGION, Key: 'ia.bin', Body: 'ia', StorageClass: 'STANDARD_IA' });
    await cos.putObjectCopy({ Bucket, Region: REGION, Key: 'ia-copy.bin', CopySource: copySource(Bucket, 'ia.bin') });
    const plain = await cos.headObject({ Bucket, Region: REGION, Key: 'ia-copy.bin' });
    expect(plain.headers?.['x-cos-storage-class']).toBeUndefined();
    await cos.putObjectCopy({
      Bucket,
      Region: REGION,
      Key: 'ia-copy.bin',
      CopySource: copySource(Bucket, 'ia.bin'),
      StorageClass: 'STANDARD_IA',
    });
    const kept = await cos.headObject({ Bucket, Region: REGION, Key: 'ia-copy.bin' });
    expect(kept.headers?.['x-cos-storage-class']).toBe('STANDARD_IA');
  });

  it('COS API FAQ: rename = copy to the new name, then delete the old one', async () => {
    const cos = t.cos('vhost');
    await cos.putObject({ Bucket, Region: REGION, Key: 'rename/old name.txt', Body: 'renamed' });
    await cos.putObjectCopy({
      Bucket,
      Region: REGION,
      Key: 'rename/new name.txt',
      CopySource: copySource(Bucket, 'rename/old name.txt'),
    });
    await cos.deleteObject({ Bucket, Region: REGION, Key: 'rename/old name.txt' });
    const listed = await cos.getBucket({ Bucket, Region: REGION, Prefix: 'rename/' });
    expect(listed.Contents.map((c) => [c.Key, c.ETag])).toEqual([['rename/new name.txt', `"${md5Hex('renamed')}"`]]);
  });

  it('CopySource ?versionId=null copies the unversioned object; an unknown version is 404 NoSuchVersion', async () => {
    const cos = t.cos('path');
    const data = await cos.putObjectCopy({
      Bucket,
      Region: REGION,
      Key: 'from-version.txt',
      CopySource: copySource(Bucket, 'src.txt', 'null'),
    });
    expect(data.ETag).toBe(etag);
    expect(data.headers?.['x-cos-copy-source-version-id']).toBe('null');
    const err = await cosError(
      cos.putObjectCopy({
        Bucket,
        Region: REGION,
        Key: 'from-version.txt',
        CopySource: copySource(Bucket, 'src.txt', 'MTg0NDUxNTc2MzQ5NzE'),
      }),
    );
    expectCosError(err, { statusCode: 404, code: 'NoSuchVersion', resource: `${Bucket}/from-version.txt` });
  });

  it('CopySource ?versionId= copies that version of a versioned source, not the latest', async () => {
    const cos = t.cos('vhost');
    const Source = t.bucketName('versioned');
    await cos.putBucket({ Bucket: Source, Region: REGION });
    await cos.putBucketVersioning({ Bucket: Source, Region: REGION, VersioningConfiguration: { Status: 'Enabled' } });
    const v1 = await cos.putObject({ Bucket: Source, Region: REGION, Key: 'doc.txt', Body: 'version one' });
    await cos.putObject({ Bucket: Source, Region: REGION, Key: 'doc.txt', Body: 'version two' });
    expect(v1.VersionId).toMatch(/^\S+$/);

    const data = await cos.putObjectCopy({
      Bucket,
      Region: REGION,
      Key: 'doc-v1.txt',
      CopySource: copySource(Source, 'doc.txt', v1.VersionId),
    });
    expect(data.ETag).toBe(`"${md5Hex('version one')}"`);
    expect(data.headers?.['x-cos-copy-source-version-id']).toBe(v1.VersionId);
    const got = await cos.getObject({ Bucket, Region: REGION, Key: 'doc-v1.txt' });
    expect(got.Body?.toString()).toBe('version one');
  });

  it('CopySourceIfMatch / IfUnmodifiedSince that hold copy; ones that fail are 412 PreconditionFailed', async () => {
    const cos = t.cos('path');
    const CopySource = copySource(Bucket, 'src.txt');
    const ok = [
      { CopySourceIfMatch: etag },
      { CopySourceIfNoneMatch: '"0123456789abcdef0123456789abcdef"' },
      { CopySourceIfModifiedSince: before },
      { CopySourceIfUnmodifiedSince: lastModified },
      { CopySourceIfMatch: etag, CopySourceIfUnmodifiedSince: before },
    ];
    for (const conditions of ok) {
      const data = await cos.putObjectCopy({ Bucket, Region: REGION, Key: 'cond.txt', CopySource, ...conditions });
      expect(data.statusCode, JSON.stringify(conditions)).toBe(200);
    }
    const failing = [
      { CopySourceIfMatch: '"0123456789abcdef0123456789abcdef"' },
      { CopySourceIfNoneMatch: etag },
      { CopySourceIfModifiedSince: after },
      { CopySourceIfModifiedSince: lastModified },
      { CopySourceIfUnmodifiedSince: before },
    ];
    for (const conditions of failing) {
      const err = await cosError(
        cos.putObjectCopy({ Bucket, Region: REGION, Key: 'cond-failed.txt', CopySource, ...conditions }),
      );
      expectCosError(err, { statusCode: 412, code: 'PreconditionFailed', resource: `${Bucket}/cond-failed.txt` });
    }
    expect((await cosError(cos.headObject({ Bucket, Region: REGION, Key: 'cond-failed.txt' }))).statusCode).toBe(404);
  });

  it('COS API FAQ: a CopySource key missing the folder "/" is 404 NoSuchKey', async () => {
    const cos = t.cos('path');
    await cos.putObject({ Bucket, Region: REGION, Key: 'folder/file.jpg', Body: 'f' });
    const err = await cosError(
      cos.putObjectCopy({ Bucket, Region: REGION, Key: 'dest.jpg', CopySource: copySource(Bucket, 'folderfile.jpg') }),
    );
    expectCosError(err, { statusCode: 404, code: 'NoSuchKey', resource: `${Bucket}/dest.jpg` });
    const ok = await cos.putObjectCopy({
      Bucket,
      Region: REGION,
      Key: 'dest.jpg',
      CopySource: copySource(Bucket, 'folder/file.jpg'),
    });
    expect(ok.statusCode).toBe(200);
  });

  it('a CopySource in a missing bucket is 404 NoSuchBucket', async () => {
    const err = await cosError(
      t.cos('path').putObjectCopy({
        Bucket,
        Region: REGION,
        Key: 'dest2.jpg',
        CopySource: copySource(t.bucketName('missing'), 'x'),
      }),
    );
    expectCosError(err, { statusCode: 404, code: 'NoSuchBucket', resource: `${Bucket}/dest2.jpg` });
  });

  it('an unknown MetadataDirective is 400 InvalidArgument', async () => {
    const err = await cosError(
      t.cos('path').putObjectCopy({
        Bucket,
        Region: REGION,
        Key: 'dest3.jpg',
        CopySource: copySource(Bucket, 'src.txt'),
        MetadataDirective: 'Merge' as 'Copy', // not a value the SDK's typings allow
      }),
    );
    expectCosError(err, { statusCode: 400, code: 'InvalidArgument', resource: `${Bucket}/dest3.jpg` });
  });
});

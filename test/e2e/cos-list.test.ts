/**
 * getBucket (List Objects v1) through cos-nodejs-sdk-v5, with the result shape of
 * https://intl.cloud.tencent.com/document/product/436/31710:
 * strings throughout ('true'/'false', "1000"), quoted ETags, Owner, StorageClass, CommonPrefixes;
 * and folders as zero-byte keys ending in '/' (COS API FAQ,
 * https://intl.cloud.tencent.com/document/product/436/10687; "Create a directory" in the JS SDK docs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COS_MODES, cosError, expectCosError, md5Hex, REGION } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

/** Keys whose byte order differs from naive expectations: space, '+', UTF-8, '%'. */
const KEY_WITH_SPACE = 'a/hello world.txt';
const KEY_WITH_PLUS = 'a/1+1=2.txt';
const KEY_UTF8 = 'a/腾讯云.txt';
const KEY_PERCENT = 'a/100%.txt';

describe.each(COS_MODES)('cos-nodejs-sdk-v5 getBucket, %s style', (mode) => {
  const Bucket = `list${mode}-1250000000`;
  const body = 'hello!';

  beforeAll(async () => {
    const cos = t.cos(mode);
    await cos.putBucket({ Bucket, Region: REGION });
    for (const Key of ['a/3mb.zip', 'a/1/x.txt', 'a/1/y.txt', 'a/2/z.txt', 'b.txt', 'c/'])
      await cos.putObject({ Bucket, Region: REGION, Key, Body: Key === 'c/' ? '' : body });
  });

  it('COS JS SDK example 1: Prefix a/ lists everything under a/, with the documented fields', async () => {
    const cos = t.cos(mode);
    const data = await cos.getBucket({ Bucket, Region: REGION, Prefix: 'a/' });
    expect(data.statusCode).toBe(200);
    const uin = t.server.identity.uin;
    expect(data).toMatchObject({
      Name: Bucket,
      Prefix: 'a/',
      Marker: '',
      MaxKeys: '1000',
      IsTruncated: 'false',
      CommonPrefixes: [],
    });
    expect(data.Contents.map((c) => c.Key)).toEqual(['a/1/x.txt', 'a/1/y.txt', 'a/2/z.txt', 'a/3mb.zip']);
    const zip = data.Contents.find((c) => c.Key === 'a/3mb.zip')!;
    expect(zip).toEqual({
      Key: 'a/3mb.zip',
      LastModified: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      ETag: `"${md5Hex(body)}"`,
      Size: String(body.length),
      Owner: { ID: `qcs::cam::uin/${uin}:uin/${uin}`, DisplayName: uin },
      StorageClass: 'STANDARD',
    });
    expect('NextMarker' in data).toBe(false);
  });

  it('COS JS SDK example 2: Prefix a/ with Delimiter / folds sub-directories into CommonPrefixes', async () => {
    const cos = t.cos(mode);
    const data = await cos.getBucket({ Bucket, Region: REGION, Prefix: 'a/', Delimiter: '/' });
    expect(data).toMatchObject({ Name: Bucket, Prefix: 'a/', Marker: '', MaxKeys: '1000', Delimiter: '/' });
    expect(data.IsTruncated).toBe('false');
    expect(data.CommonPrefixes).toEqual([{ Prefix: 'a/1/' }, { Prefix: 'a/2/' }]);
    expect(data.Contents.map((c) => c.Key)).toEqual(['a/3mb.zip']);
  });

  it('Delimiter without Prefix lists top-level files, folders as prefixes', async () => {
    const cos = t.cos(mode);
    const data = await cos.getBucket({ Bucket, Region: REGION, Delimiter: '/' });
    expect(data.Prefix).toBe('');
    expect(data.CommonPrefixes).toEqual([{ Prefix: 'a/' }, { Prefix: 'c/' }]);
    expect(data.Contents.map((c) => c.Key)).toEqual(['b.txt']);
  });

  it('MaxKeys pages with IsTruncated "true" and NextMarker; Marker resumes after it', async () => {
    const cos = t.cos(mode);
    const first = await cos.getBucket({ Bucket, Region: REGION, MaxKeys: 2 });
    expect(first.MaxKeys).toBe('2');
    expect(first.IsTruncated).toBe('true');
    expect(first.Contents.map((c) => c.Key)).toEqual(['a/1/x.txt', 'a/1/y.txt']);
    expect(first.NextMarker).toBe('a/1/y.txt');

    const second = await cos.getBucket({ Bucket, Region: REGION, MaxKeys: 2, Marker: first.NextMarker });
    expect(second.Marker).toBe('a/1/y.txt');
    expect(second.Contents.map((c) => c.Key)).toEqual(['a/2/z.txt', 'a/3mb.zip']);
    expect(second.IsTruncated).toBe('true');

    const last = await cos.getBucket({ Bucket, Region: REGION, MaxKeys: 2, Marker: second.NextMarker });
    expect(last.Contents.map((c) => c.Key)).toEqual(['b.txt', 'c/']);
    expect(last.IsTruncated).toBe('false');
  });
});

describe('cos-nodejs-sdk-v5 getBucket parameters', () => {
  const Bucket = 'listparams-1250000000';

  beforeAll(async () => {
    const cos = t.cos('path');
    await cos.putBucket({ Bucket, Region: REGION });
    for (const Key of [KEY_WITH_SPACE, KEY_WITH_PLUS, KEY_UTF8, KEY_PERCENT, 'b/1/x', 'b/2/y', 'b/3'])
      await cos.putObject({ Bucket, Region: REGION, Key, Body: 'v' });
  });

  it('MaxKeys above 1000 is served as 1000', async () => {
    const data = await t.cos('path').getBucket({ Bucket, Region: REGION, MaxKeys: 5000 });
    expect(data.MaxKeys).toBe('1000');
    expect(data.Contents).toHaveLength(7);
  });

  it('a MaxKeys that is not a number is 400 InvalidArgument', async () => {
    const err = await cosError(
      t.cos('path').getBucket({ Bucket, Region: REGION, MaxKeys: 'ten' as unknown as number }),
    );
    expectCosError(err, { statusCode: 400, code: 'InvalidArgument', resource: Bucket });
  });

  it('keys list in UTF-8 byte order and come back exactly as written', async () => {
    const data = await t.cos('vhost').getBucket({ Bucket, Region: REGION, Prefix: 'a/' });
    const expected = [KEY_WITH_SPACE, KEY_WITH_PLUS, KEY_UTF8, KEY_PERCENT].sort((x, y) =>
      Buffer.compare(Buffer.from(x), Buffer.from(y)),
    );
    expect(data.Contents.map((c) => c.Key)).toEqual(expected);
  });

  it('EncodingType url percent-encodes Key, Prefix, Marker and CommonPrefixes', async () => {
    const data = await t.cos('ip').getBucket({
      Bucket,
      Region: REGION,
      Prefix: 'a/',
      Marker: 'a/0',
      EncodingType: 'url',
    });
    expect(data.EncodingType).toBe('url');
    expect(data.Prefix).toBe('a/');
    expect(data.Marker).toBe('a/0');
    const keys = data.Contents.map((c) => c.Key);
    expect(keys).toContain('a/hello%20world.txt');
    expect(keys).toContain('a/1%2B1%3D2.txt');
    expect(keys).toContain(`a/${encodeURIComponent('腾讯云')}.txt`);
    expect(keys).toContain('a/100%25.txt');
    expect(keys.map(decodeURIComponent).sort()).toEqual([KEY_WITH_SPACE, KEY_WITH_PLUS, KEY_UTF8, KEY_PERCENT].sort());

    const folded = await t.cos('ip').getBucket({ Bucket, Region: REGION, Delimiter: ' ', EncodingType: 'url' });
    expect(folded).toMatchObject({ Delimiter: '%20' });
    expect(folded.CommonPrefixes).toEqual([{ Prefix: 'a/hello%20' }]);
  });

  it('an EncodingType other than url is 400 InvalidArgument', async () => {
    const err = await cosError(t.cos('path').getBucket({ Bucket, Region: REGION, EncodingType: 'base64' }));
    expectCosError(err, { statusCode: 400, code: 'InvalidArgument', resource: Bucket });
  });

  it('a truncated page ending in a CommonPrefix resumes after the whole prefix', async () => {
    const cos = t.cos('path');
    const first = await cos.getBucket({ Bucket, Region: REGION, Prefix: 'b/', Delimiter: '/', MaxKeys: 1 });
    expect(first.CommonPrefixes).toEqual([{ Prefix: 'b/1/' }]);
    expect(first.Contents).toEqual([]);
    expect(first.IsTruncated).toBe('true');
    expect(first.NextMarker).toBe('b/1/');
    const second = await cos.getBucket({
      Bucket,
      Region: REGION,
      Prefix: 'b/',
      Delimiter: '/',
      MaxKeys: 5,
      Marker: first.NextMarker,
    });
    expect(second.CommonPrefixes).toEqual([{ Prefix: 'b/2/' }]);
    expect(second.Contents.map((c) => c.Key)).toEqual(['b/3']);
    expect(second.IsTruncated).toBe('false');
  });

  it('getBucket of a missing bucket is 404 NoSuchBucket', async () => {
    const missing = t.bucketName('missing');
    const err = await cosError(t.cos('vhost').getBucket({ Bucket: missing, Region: REGION }));
    expectCosError(err, { statusCode: 404, code: 'NoSuchBucket', resource: missing });
  });
});

describe('cos-nodejs-sdk-v5 folders (keys ending in "/")', () => {
  const Bucket = 'folders-1250000000';

  beforeAll(async () => {
    await t.cos('vhost').putBucket({ Bucket, Region: REGION });
  });

  it('COS JS SDK "Create a directory": putObject of an empty a/ is a zero-byte object', async () => {
    const cos = t.cos('vhost');
    const put = await cos.putObject({ Bucket, Region: REGION, Key: 'a/', Body: '' });
    expect(put.statusCode).toBe(200);
    expect(put.ETag).toBe(`"${md5Hex('')}"`);
    const head = await cos.headObject({ Bucket, Region: REGION, Key: 'a/' });
    expect(head.headers?.['content-length']).toBe('0');
    expect(head.headers?.['x-cos-hash-crc64ecma']).toBe('0');
  });

  it('an empty folder lists as a CommonPrefix with a delimiter, and as a zero-byte key without one', async () => {
    const cos = t.cos('vhost');
    await cos.putObject({ Bucket, Region: REGION, Key: 'docs/', Body: '' });
    await cos.putObject({ Bucket, Region: REGION, Key: 'docs/readme.txt', Body: 'r' });
    await cos.putObject({ Bucket, Region: REGION, Key: 'docs/sub/', Body: '' });

    const top = await cos.getBucket({ Bucket, Region: REGION, Delimiter: '/' });
    expect(top.CommonPrefixes.map((p) => p.Prefix)).toContain('docs/');
    expect(top.Contents.map((c) => c.Key)).not.toContain('docs/');

    // Inside the folder, the folder object itself is the first entry (as the COS console shows it).
    const inside = await cos.getBucket({ Bucket, Region: REGION, Prefix: 'docs/', Delimiter: '/' });
    expect(inside.Contents.map((c) => [c.Key, c.Size])).toEqual([
      ['docs/', '0'],
      ['docs/readme.txt', '1'],
    ]);
    expect(inside.CommonPrefixes).toEqual([{ Prefix: 'docs/sub/' }]);
  });

  it('deleting a folder object leaves the keys under it (COS has no directories: COS API FAQ)', async () => {
    const cos = t.cos('vhost');
    await cos.putObject({ Bucket, Region: REGION, Key: 'tmp/', Body: '' });
    await cos.putObject({ Bucket, Region: REGION, Key: 'tmp/file', Body: 'f' });
    await cos.deleteObject({ Bucket, Region: REGION, Key: 'tmp/' });
    const data = await cos.getBucket({ Bucket, Region: REGION, Prefix: 'tmp/' });
    expect(data.Contents.map((c) => c.Key)).toEqual(['tmp/file']);
  });
});

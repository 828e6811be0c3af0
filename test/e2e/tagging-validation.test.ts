/**
 * Every way a tag set is refused, with the exact Code and status @aws-sdk/client-s3 sees, on each
 * path that takes tags: PutObjectTagging and PutBucketTagging bodies, and the x-amz-tagging header
 * of PutObject, CopyObject (REPLACE) and CreateMultipartUpload. A refused request changes nothing:
 * the tags stay as they were and no object or upload appears. Malformed documents go raw.
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketTaggingCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  type Tag,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, md5Base64, rawRequest, sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let s3: S3Client;
let Bucket: string;
const Key = 'tagged';
const KEPT: Tag[] = [{ Key: 'kept', Value: 'yes' }];

beforeAll(async () => {
  t = await startTestServer();
  s3 = t.s3();
  Bucket = t.bucketName('tagval');
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x' }));
  await s3.send(new PutObjectTaggingCommand({ Bucket, Key, Tagging: { TagSet: KEPT } }));
  await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: KEPT } }));
});
afterAll(async () => {
  await t?.close();
});

const n = (count: number, prefix = 'k'): Tag[] =>
  Array.from({ length: count }, (_, i) => ({ Key: `${prefix}${i}`, Value: `v${i}` }));

/** Tag sets S3 refuses as InvalidTag wherever they come from (objects hold at most 10 tags). */
const INVALID: [label: string, tags: Tag[]][] = [
  ['11 tags', n(11)],
  ['an empty key', [{ Key: '', Value: 'v' }]],
  ['a 129-character key', [{ Key: 'k'.repeat(129), Value: 'v' }]],
  ['a 257-character value', [{ Key: 'k', Value: 'v'.repeat(257) }]],
  [
    'a repeated key',
    [
      { Key: 'dup', Value: '1' },
      { Key: 'dup', Value: '2' },
    ],
  ],
  ['a key starting with aws:', [{ Key: 'aws:cloudformation:stack-name', Value: 'x' }]],
  ['a key starting with AWS:', [{ Key: 'AWS:x', Value: 'x' }]],
  ['a character outside the allowed set in a key', [{ Key: 'a#b', Value: 'v' }]],
  ['a character outside the allowed set in a value', [{ Key: 'k', Value: 'a,b' }]],
];

/** The header form of a tag set, percent-encoded as the SDKs' users write it. */
const header = (tags: Tag[]) =>
  tags.map((tag) => `${encodeURIComponent(tag.Key!)}=${encodeURIComponent(tag.Value!)}`).join('&');

describe('PutObjectTagging', () => {
  it.each(INVALID)('%s is 400 InvalidTag, and the tags stay as they were', async (_label, TagSet) => {
    expect(await sdkError(s3.send(new PutObjectTaggingCommand({ Bucket, Key, Tagging: { TagSet } })))).toMatchObject({
      status: 400,
      code: 'InvalidTag',
    });
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet).toEqual(KEPT);
  });

  it('10 tags with 128-character keys and 256-character values are accepted (characters, not bytes)', async () => {
    const key = 'tags at the limit';
    await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: 'x' }));
    const TagSet = Array.from({ length: 10 }, (_, i) => ({
      Key: `${i}${'é'.repeat(127)}`,
      Value: '中'.repeat(256),
    }));
    await s3.send(new PutObjectTaggingCommand({ Bucket, Key: key, Tagging: { TagSet } }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: key }))).TagSet).toEqual(TagSet);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: key }))).TagCount).toBe(10);
  });

  const xml = (inner: string) => `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</Tagging>`;
  it.each([
    ['an empty body', ''],
    ['text that is not XML', 'tags please'],
    ['another root element', '<TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet>'],
    ['a Tagging without a TagSet', xml('')],
    ['two TagSets', xml('<TagSet></TagSet><TagSet></TagSet>')],
    ['a Tag without a Value', xml('<TagSet><Tag><Key>a</Key></Tag></TagSet>')],
    ['a Tag without a Key', xml('<TagSet><Tag><Value>b</Value></Tag></TagSet>')],
    ['a Key holding elements', xml('<TagSet><Tag><Key><b>a</b></Key><Value>b</Value></Tag></TagSet>')],
    ['unclosed elements', xml('<TagSet><Tag><Key>a</Key><Value>b</Value></TagSet>')],
  ])('%s is 400 MalformedXML, and the tags stay as they were', async (_label, body) => {
    const res = await rawRequest(t, {
      method: 'PUT',
      path: `/${Bucket}/${Key}`,
      query: 'tagging',
      body,
      headers: { 'content-md5': md5Base64(body), 'content-type': 'application/xml' },
    });
    expect(errorOf(res)).toMatchObject({ status: 400, code: 'MalformedXML' });
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet).toEqual(KEPT);
  });

  it('a body whose Content-MD5 does not match is 400 BadDigest', async () => {
    const body = xml('<TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet>');
    const res = await rawRequest(t, {
      method: 'PUT',
      path: `/${Bucket}/${Key}`,
      query: 'tagging',
      body,
      headers: { 'content-md5': md5Base64('other') },
    });
    expect(errorOf(res)).toMatchObject({ status: 400, code: 'BadDigest' });
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet).toEqual(KEPT);
  });
});

describe('PutBucketTagging', () => {
  it.each([['51 tags', n(51)], ...INVALID.filter(([label]) => label !== '11 tags')])(
    '%s is 400 InvalidTag, and the bucket keeps its tags',
    async (_label, TagSet) => {
      expect(await sdkError(s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet } })))).toMatchObject({
        status: 400,
        code: 'InvalidTag',
      });
      expect((await s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet).toEqual(KEPT);
    },
  );

  it('50 tags are accepted on a bucket', async () => {
    const other = t.bucketName('tagval50');
    await s3.send(new CreateBucketCommand({ Bucket: other }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: other, Tagging: { TagSet: n(50) } }));
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: other }))).TagSet).toEqual(n(50));
  });

  it('a Tagging without a TagSet is 400 MalformedXML', async () => {
    const body = '<Tagging></Tagging>';
    const res = await rawRequest(t, { method: 'PUT', path: `/${Bucket}`, query: 'tagging', body });
    expect(errorOf(res)).toMatchObject({ status: 400, code: 'MalformedXML' });
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet).toEqual(KEPT);
  });
});

describe('the x-amz-tagging header', () => {
  const source = 'copy source';
  beforeAll(async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: source, Body: 'src', Tagging: 'from=source' }));
  });

  async function exists(key: string): Promise<boolean> {
    const err = await s3.send(new HeadObjectCommand({ Bucket, Key: key })).then(
      () => undefined,
      (e: { name: string }) => e,
    );
    if (err && err.name !== 'NotFound') throw err;
    return err === undefined;
  }

  it.each(INVALID)(
    '%s: PutObject, CopyObject (REPLACE) and CreateMultipartUpload are 400 InvalidTag, and write nothing',
    async (label, tags) => {
      const key = `refused ${label}`;
      const Tagging = header(tags);
      expect(await sdkError(s3.send(new PutObjectCommand({ Bucket, Key: key, Body: 'x', Tagging })))).toMatchObject({
        status: 400,
        code: 'InvalidTag',
      });
      expect(
        await sdkError(
          s3.send(
            new CopyObjectCommand({
              Bucket,
              Key: key,
              CopySource: `${Bucket}/${encodeURIComponent(source)}`,
              TaggingDirective: 'REPLACE',
              Tagging,
            }),
          ),
        ),
      ).toMatchObject({ status: 400, code: 'InvalidTag' });
      expect(await sdkError(s3.send(new CreateMultipartUploadCommand({ Bucket, Key: key, Tagging })))).toMatchObject({
        status: 400,
        code: 'InvalidTag',
      });
      expect(await exists(key)).toBe(false);
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: key }));
      expect(uploads.Uploads ?? []).toEqual([]);
    },
  );

  it.each([
    ['a pair with two "="', 'a=b=c'],
    ['a bad percent escape', 'a=%E0%A4%A'],
  ])('%s is 400 InvalidArgument', async (_label, Tagging) => {
    expect(
      await sdkError(s3.send(new PutObjectCommand({ Bucket, Key: 'bad header', Body: 'x', Tagging }))),
    ).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
    });
    expect(await exists('bad header')).toBe(false);
  });

  it('with the COPY directive (the default) the header is ignored, invalid or not: the source tags are copied', async () => {
    await s3.send(
      new CopyObjectCommand({
        Bucket,
        Key: 'copied',
        CopySource: `${Bucket}/${encodeURIComponent(source)}`,
        Tagging: header(n(11)),
      }),
    );
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'copied' }))).TagSet).toEqual([
      { Key: 'from', Value: 'source' },
    ]);
  });
});

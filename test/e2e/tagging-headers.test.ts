/**
 * Tags given at write time, in the x-amz-tagging / x-cos-tagging header (URL query form): PutObject,
 * CopyObject with x-amz-tagging-directive COPY and REPLACE, CreateMultipartUpload (the tags reach
 * the completed object), through @aws-sdk/client-s3 and cos-nodejs-sdk-v5, and read back with
 * GetObjectTagging and x-amz-tagging-count on GET and HEAD.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let s3: S3Client;
let Bucket: string;

beforeAll(async () => {
  t = await startTestServer();
  s3 = t.s3();
  Bucket = t.bucketName('taghdr');
  await s3.send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  await t?.close();
});

const tagsOf = async (Key: string) => (await s3.send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet;

describe('@aws-sdk/client-s3', () => {
  it('PutObject Tagging: percent-decoded, "+" is a space, a key without "=" has the empty value; GET and HEAD count them', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'put',
        Body: 'x',
        Tagging: `project=coffer&team=storage+core&flag&${encodeURIComponent('中文')}=${encodeURIComponent('a b/c')}`,
      }),
    );
    // Tag sets come back in key order.
    expect(await tagsOf('put')).toEqual([
      { Key: 'flag', Value: '' },
      { Key: 'project', Value: 'coffer' },
      { Key: 'team', Value: 'storage core' },
      { Key: '中文', Value: 'a b/c' },
    ]);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'put' }))).TagCount).toBe(4);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'put' }));
    expect(got.TagCount).toBe(4);
    await got.Body!.transformToString();
  });

  it('CopyObject keeps the source tags by default (COPY) and takes the request tags with REPLACE', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'src', Body: 'source', Tagging: 'origin=src&n=1' }));
    const CopySource = `${Bucket}/src`;
    await s3.send(new CopyObjectCommand({ Bucket, Key: 'copy-default', CopySource }));
    expect(await tagsOf('copy-default')).toEqual([
      { Key: 'n', Value: '1' },
      { Key: 'origin', Value: 'src' },
    ]);
    await s3.send(
      new CopyObjectCommand({ Bucket, Key: 'copy-copy', CopySource, TaggingDirective: 'COPY', Tagging: 'x=y' }),
    );
    expect(await tagsOf('copy-copy')).toHaveLength(2);
    await s3.send(
      new CopyObjectCommand({
        Bucket,
        Key: 'copy-replace',
        CopySource,
        TaggingDirective: 'REPLACE',
        Tagging: 'new=tag',
      }),
    );
    expect(await tagsOf('copy-replace')).toEqual([{ Key: 'new', Value: 'tag' }]);
    await s3.send(new CopyObjectCommand({ Bucket, Key: 'copy-none', CopySource, TaggingDirective: 'REPLACE' }));
    expect(await tagsOf('copy-none')).toEqual([]);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'copy-none' }))).TagCount).toBeUndefined();
  });

  it('CreateMultipartUpload Tagging: the completed object has the tags', async () => {
    const Key = 'multipart';
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key, Tagging: 'stage=upload&size=small' }),
    );
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'one part' }));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
      }),
    );
    expect(await tagsOf(Key)).toEqual([
      { Key: 'size', Value: 'small' },
      { Key: 'stage', Value: 'upload' },
    ]);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key }))).TagCount).toBe(2);
  });
});

describe('cos-nodejs-sdk-v5 (x-cos-tagging)', () => {
  it('putObject and multipartInit take x-cos-tagging; getObjectTagging reads it back', async () => {
    const cos = t.cos('path');
    await cos.putObject({
      Bucket,
      Region: REGION,
      Key: 'cos-put',
      Body: Buffer.from('cos'),
      Headers: { 'x-cos-tagging': 'via=cos&n=1' },
    });
    expect((await cos.getObjectTagging({ Bucket, Region: REGION, Key: 'cos-put' })).Tags).toEqual([
      { Key: 'n', Value: '1' },
      { Key: 'via', Value: 'cos' },
    ]);
    const head = await cos.headObject({ Bucket, Region: REGION, Key: 'cos-put' });
    expect(head.headers?.['x-amz-tagging-count']).toBe('2');

    const Key = 'cos-multipart';
    const { UploadId } = await cos.multipartInit({
      Bucket,
      Region: REGION,
      Key,
      Headers: { 'x-cos-tagging': 'mp=yes' },
    });
    const part = await cos.multipartUpload({
      Bucket,
      Region: REGION,
      Key,
      UploadId,
      PartNumber: 1,
      Body: Buffer.from('p'),
    });
    await cos.multipartComplete({ Bucket, Region: REGION, Key, UploadId, Parts: [{ PartNumber: 1, ETag: part.ETag }] });
    expect((await cos.getObjectTagging({ Bucket, Region: REGION, Key })).Tags).toEqual([{ Key: 'mp', Value: 'yes' }]);
  });

  it('an invalid x-cos-tagging is 400 InvalidTag and stores nothing', async () => {
    const cos = t.cos('path');
    const err = await cos
      .putObject({
        Bucket,
        Region: REGION,
        Key: 'cos-bad',
        Body: Buffer.from('x'),
        Headers: { 'x-cos-tagging': 'a=1&a=2' },
      })
      .then(
        () => undefined,
        (e: { statusCode: number; code: string }) => e,
      );
    expect(err).toMatchObject({ statusCode: 400, code: 'InvalidTag' });
    const missing = await cos.headObject({ Bucket, Region: REGION, Key: 'cos-bad' }).then(
      () => 200,
      (e: { statusCode: number }) => e.statusCode,
    );
    expect(missing).toBe(404);
  });
});

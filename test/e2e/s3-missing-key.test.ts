/**
 * HEAD or GET of a key that does not exist, as S3 answers it: 404 NoSuchKey to a caller allowed to list
 * the bucket (s3:ListBucket, including a grant whose s3:prefix condition matches the key), 403
 * AccessDenied to one who may read objects but not list them (so keys cannot be probed).
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubUser } from './helpers/access.js';
import { sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let s3: S3Client;
let Bucket: string;
beforeAll(async () => {
  t = await startTestServer();
  s3 = t.s3();
  Bucket = t.bucketName('missing');
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutObjectCommand({ Bucket, Key: 'docs/there.txt', Body: 'here' }));
});
afterAll(async () => {
  await t.close();
});

/** A sub-user's S3 client with an S3-form identity policy of these statements. */
async function userWith(name: string, statements: unknown[]): Promise<S3Client> {
  const user = await createSubUser(t, name, {
    p: { Version: '2012-10-17', Statement: statements },
  });
  return t.s3({ credentials: { accessKeyId: user.creds.accessKeyId, secretAccessKey: user.creds.secretKey } });
}

const readObjects = () => ({ Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${Bucket}/*`] });

/** [HEAD status, 'HEAD'] and [GET status, GET's error code or 'OK'] (a HEAD error has no body, so no code). */
async function status(client: S3Client, Key: string): Promise<[number | undefined, string][]> {
  const out: [number | undefined, string][] = [];
  for (const command of [new HeadObjectCommand({ Bucket, Key }), new GetObjectCommand({ Bucket, Key })]) {
    const head = command instanceof HeadObjectCommand;
    try {
      await client.send(command as GetObjectCommand);
      out.push([200, head ? 'HEAD' : 'OK']);
    } catch (err) {
      const e = await sdkError(Promise.reject(err));
      out.push([e.status, head ? 'HEAD' : e.code]);
    }
  }
  return out;
}

describe('a missing key', () => {
  it('is 404 NoSuchKey to the bucket owner', async () => {
    expect(await status(s3, 'docs/absent.txt')).toEqual([
      [404, 'HEAD'],
      [404, 'NoSuchKey'],
    ]);
  });

  it('is 403 to a caller who may read objects but not list the bucket; an existing key reads', async () => {
    const reader = await userWith('reader', [readObjects()]);
    expect(await status(reader, 'docs/there.txt')).toEqual([
      [200, 'HEAD'],
      [200, 'OK'],
    ]);
    expect(await status(reader, 'docs/absent.txt')).toEqual([
      [403, 'HEAD'],
      [403, 'AccessDenied'],
    ]);
  });

  it('is 404 to one who may list it, and with an s3:prefix condition only for keys the condition matches', async () => {
    const lister = await userWith('lister', [
      readObjects(),
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${Bucket}`] },
    ]);
    expect(await status(lister, 'elsewhere/absent.txt')).toEqual([
      [404, 'HEAD'],
      [404, 'NoSuchKey'],
    ]);
    const docsOnly = await userWith('docs-lister', [
      readObjects(),
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [`arn:aws:s3:::${Bucket}`],
        Condition: { StringLike: { 's3:prefix': ['docs/*'] } },
      },
    ]);
    expect(await status(docsOnly, 'docs/absent.txt')).toEqual([
      [404, 'HEAD'],
      [404, 'NoSuchKey'],
    ]);
    expect(await status(docsOnly, 'elsewhere/absent.txt')).toEqual([
      [403, 'HEAD'],
      [403, 'AccessDenied'],
    ]);
  });
});

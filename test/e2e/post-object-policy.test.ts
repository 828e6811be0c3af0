/**
 * POST Object policies and responses: each way a policy fails (expired, eq, starts-with, bucket,
 * content-length-range both ends, fields the policy does not name, a malformed document), the
 * success_action_status / success_action_redirect answers, the file name variable in the key, and the object
 * attributes a form sets (Content-Type, metadata, ACL, storage class).
 */
import { createHmac } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cosSignedFields,
  FILENAME_VARIABLE,
  type Fields,
  type FormResponse,
  formBody,
  policyDoc,
  postForm,
  sigV4SignedFields,
  xmlText,
} from './helpers/post-form.js';
import { readAll, startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let bucket: string;

beforeAll(async () => {
  t = await startTestServer();
  bucket = t.bucketName('postpolicy');
  await t.cos().putBucket({ Bucket: bucket, Region: 'ap-guangzhou' });
});
afterAll(async () => {
  await t?.close();
});

function denied(res: FormResponse, message: string): void {
  expect(res.status, res.text).toBe(403);
  expect(xmlText(res.text, 'Code')).toBe('AccessDenied');
  expect(xmlText(res.text, 'Message')).toBe(message);
}

async function exists(key: string): Promise<boolean> {
  try {
    await t.s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

/** A COS-signed form with `conditions` and the given fields before the file. */
function cosForm(conditions: unknown[], fields: Fields, content: string | Buffer = 'data', expiresInMs?: number) {
  return formBody([...fields, ...cosSignedFields(t, policyDoc(conditions, expiresInMs))], {
    filename: 'photo.jpg',
    content,
  });
}

describe('policy conditions', () => {
  it('an expired policy is "Policy expired."', async () => {
    const res = await postForm(t, bucket, cosForm([], [['key', 'expired.txt']], 'x', -1000));
    denied(res, 'Invalid according to Policy: Policy expired.');
    expect(await exists('expired.txt')).toBe(false);
  });

  it('an eq condition on the key that does not hold names the condition', async () => {
    const res = await postForm(t, bucket, cosForm([['eq', '$key', 'allowed.txt']], [['key', 'other.txt']]));
    denied(res, 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "allowed.txt"]');
  });

  it('starts-with on the key: a key outside the prefix fails, one inside passes', async () => {
    const conditions = [['starts-with', '$key', 'user/eric/']];
    let res = await postForm(t, bucket, cosForm(conditions, [['key', 'user/other/x.txt']]));
    denied(res, 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "user/eric/"]');
    res = await postForm(t, bucket, cosForm(conditions, [['key', 'user/eric/x.txt']]));
    expect(res.status).toBe(204);
  });

  it('a bucket condition naming another bucket fails', async () => {
    const res = await postForm(t, bucket, cosForm([{ bucket: 'elsewhere-1250000000' }], [['key', 'b.txt']]));
    denied(res, 'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "elsewhere-1250000000"]');
  });

  it('conditions on other fields: a missing or different value fails', async () => {
    const conditions = [{ 'Content-Type': 'image/jpeg' }, ['starts-with', '$x-cos-meta-tag', 'ok-']];
    let res = await postForm(
      t,
      bucket,
      cosForm(conditions, [
        ['key', 'c.txt'],
        ['x-cos-meta-tag', 'ok-1'],
      ]),
    );
    denied(res, 'Invalid according to Policy: Policy Condition failed: ["eq", "$content-type", "image/jpeg"]');
    res = await postForm(
      t,
      bucket,
      cosForm(conditions, [
        ['key', 'c.txt'],
        ['Content-Type', 'image/jpeg'],
        ['x-cos-meta-tag', 'bad'],
      ]),
    );
    denied(res, 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$x-cos-meta-tag", "ok-"]');
    res = await postForm(
      t,
      bucket,
      cosForm(conditions, [
        ['key', 'c.txt'],
        ['Content-Type', 'image/jpeg'],
        ['x-cos-meta-tag', 'ok-2'],
      ]),
    );
    expect(res.status, res.text).toBe(204);
  });

  it('content-length-range: a larger file is EntityTooLarge, a smaller one EntityTooSmall, the bounds pass', async () => {
    const range = [['content-length-range', 10, 20]];
    let res = await postForm(t, bucket, cosForm(range, [['key', 'big.txt']], 'x'.repeat(21)));
    expect(res.status).toBe(400);
    expect(xmlText(res.text, 'Code')).toBe('EntityTooLarge');
    expect(xmlText(res.text, 'MaxSizeAllowed')).toBe('20');
    expect(await exists('big.txt')).toBe(false);
    res = await postForm(t, bucket, cosForm(range, [['key', 'small.txt']], 'x'.repeat(9)));
    expect(res.status).toBe(400);
    expect(xmlText(res.text, 'Code')).toBe('EntityTooSmall');
    expect(xmlText(res.text, 'MinSizeAllowed')).toBe('10');
    expect(await exists('small.txt')).toBe(false);
    for (const n of [10, 20]) {
      res = await postForm(t, bucket, cosForm(range, [['key', `ok${n}.txt`]], 'x'.repeat(n)));
      expect(res.status).toBe(204);
    }
  });

  it('with an S3 signature every field must be named by the policy (x-ignore-* aside)', async () => {
    const doc = policyDoc([{ bucket }, ['starts-with', '$key', 's3/']]);
    let res = await postForm(
      t,
      bucket,
      formBody([['key', 's3/a.txt'], ['x-amz-meta-extra', '1'], ...sigV4SignedFields(t, doc)], { content: 'x' }),
    );
    denied(res, 'Invalid according to Policy: Extra input fields: x-amz-meta-extra');
    res = await postForm(
      t,
      bucket,
      formBody([['key', 's3/a.txt'], ['x-ignore-note', '1'], ...sigV4SignedFields(t, doc)], { content: 'x' }),
    );
    expect(res.status, res.text).toBe(204);
  });

  it('a policy that is not base64 JSON is InvalidPolicyDocument (checked after its signature)', async () => {
    const policy = Buffer.from('{not json').toString('base64');
    const signature = createHmac('sha1', t.secretKey).update(policy).digest('base64');
    const fields: Fields = [
      ['key', 'p.txt'],
      ['AWSAccessKeyId', t.secretId],
      ['policy', policy],
      ['Signature', signature],
    ];
    const res = await postForm(t, bucket, formBody(fields, { content: 'x' }));
    expect(res.status).toBe(400);
    expect(xmlText(res.text, 'Code')).toBe('InvalidPolicyDocument');
  });
});

describe('responses', () => {
  it('success_action_status 201 returns PostResponse XML with Location, Bucket, Key, ETag', async () => {
    const res = await postForm(
      t,
      bucket,
      cosForm(
        [],
        [
          ['key', 'r/201.txt'],
          ['success_action_status', '201'],
        ],
        'created',
      ),
    );
    expect(res.status).toBe(201);
    expect(res.text).toMatch(/^<\?xml[^>]*>\s*<PostResponse>/);
    expect(xmlText(res.text, 'Location')).toBe(`${t.url}/${bucket}/r/201.txt`);
    expect(xmlText(res.text, 'Bucket')).toBe(bucket);
    expect(xmlText(res.text, 'Key')).toBe('r/201.txt');
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(xmlText(res.text, 'ETag')).toBe(res.headers.etag);
  });

  it('success_action_status 200 is an empty 200; anything else the default 204', async () => {
    let res = await postForm(
      t,
      bucket,
      cosForm(
        [],
        [
          ['key', 'r/200.txt'],
          ['success_action_status', '200'],
        ],
      ),
    );
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    res = await postForm(
      t,
      bucket,
      cosForm(
        [],
        [
          ['key', 'r/204.txt'],
          ['success_action_status', '404'],
        ],
      ),
    );
    expect(res.status).toBe(204);
  });

  it('success_action_redirect answers 303 to the URL with bucket, key and etag added', async () => {
    const res = await postForm(
      t,
      bucket,
      cosForm(
        [],
        [
          ['key', 'r/redirect me.txt'],
          ['success_action_redirect', 'https://app.example.com/done?x=1'],
        ],
      ),
    );
    expect(res.status).toBe(303);
    const location = new URL(res.headers.location!);
    expect(location.origin + location.pathname).toBe('https://app.example.com/done');
    expect(location.searchParams.get('x')).toBe('1');
    expect(location.searchParams.get('bucket')).toBe(bucket);
    expect(location.searchParams.get('key')).toBe('r/redirect me.txt');
    expect(location.searchParams.get('etag')).toBe(res.headers.etag);
  });
});

describe('what a form sets', () => {
  it('the file name variable in the key becomes the uploaded file name, also under a starts-with policy', async () => {
    const res = await postForm(
      t,
      bucket,
      cosForm([['starts-with', '$key', 'uploads/']], [['key', `uploads/${FILENAME_VARIABLE}`]], 'named'),
    );
    expect(res.status, res.text).toBe(204);
    expect(await exists('uploads/photo.jpg')).toBe(true);
  });

  it('Content-Type, Cache-Control, metadata in both families and the storage class are stored', async () => {
    const res = await postForm(
      t,
      bucket,
      cosForm(
        [],
        [
          ['key', 'attrs.txt'],
          ['Content-Type', 'text/plain; charset=utf-8'],
          ['Cache-Control', 'max-age=60'],
          ['x-cos-meta-color', 'blue'],
          ['x-amz-meta-size', 'large'],
          ['x-cos-storage-class', 'STANDARD_IA'],
        ],
      ),
    );
    expect(res.status, res.text).toBe(204);
    const head = await t.s3().send(new HeadObjectCommand({ Bucket: bucket, Key: 'attrs.txt' }));
    expect(head.ContentType).toBe('text/plain; charset=utf-8');
    expect(head.CacheControl).toBe('max-age=60');
    expect(head.Metadata).toEqual({ color: 'blue', size: 'large' });
    expect(head.StorageClass).toBe('STANDARD_IA');
  });

  it('an acl field applies to the object: public-read can then be read anonymously', async () => {
    const res = await postForm(
      t,
      bucket,
      cosForm(
        [],
        [
          ['key', 'public.txt'],
          ['acl', 'public-read'],
        ],
        'for all',
      ),
    );
    expect(res.status, res.text).toBe(204);
    const anonymous = await fetch(`${t.url}/${bucket}/public.txt`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.text()).toBe('for all');
  });

  it('fields after the file are ignored', async () => {
    const body = formBody([['key', 'first.txt'], ...cosSignedFields(t, policyDoc([]))], { content: 'body' }, [
      ['key', 'second.txt'],
      ['submit', 'Upload'],
    ]);
    const res = await postForm(t, bucket, body);
    expect(res.status, res.text).toBe(204);
    const got = await t.s3().send(new GetObjectCommand({ Bucket: bucket, Key: 'first.txt' }));
    expect((await readAll(got.Body as AsyncIterable<Uint8Array>)).toString()).toBe('body');
    expect(await exists('second.txt')).toBe(false);
  });
});

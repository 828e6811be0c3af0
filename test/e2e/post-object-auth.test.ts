/**
 * POST Object (https://intl.cloud.tencent.com/document/product/436/14690): form uploads signed with each family
 * (COS q-sign, SigV4, SigV2), anonymous uploads where the bucket's ACL allows them, and the errors
 * of a form that does not authenticate or is not a well-formed form. Objects are read back with the
 * SDKs.
 */
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cosSignedFields,
  type Fields,
  formBody,
  policyDoc,
  postForm,
  sigV2SignedFields,
  sigV4SignedFields,
  xmlText,
} from './helpers/post-form.js';
import { readAll, startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let bucket: string;
let publicBucket: string;

beforeAll(async () => {
  t = await startTestServer();
  bucket = t.bucketName('postauth');
  publicBucket = t.bucketName('postpub');
  const cos = t.cos();
  await cos.putBucket({ Bucket: bucket, Region: 'ap-guangzhou' });
  await cos.putBucket({ Bucket: publicBucket, Region: 'ap-guangzhou', ACL: 'public-read-write' });
});
afterAll(async () => {
  await t?.close();
});

async function readBack(b: string, key: string): Promise<string> {
  const res = await t.s3().send(new GetObjectCommand({ Bucket: b, Key: key }));
  return (await readAll(res.Body as AsyncIterable<Uint8Array>)).toString();
}

const signers: [string, (doc: ReturnType<typeof policyDoc>) => Fields][] = [
  ['COS q-sign', (doc) => cosSignedFields(t, doc)],
  ['SigV4', (doc) => sigV4SignedFields(t, doc)],
  ['SigV2', (doc) => sigV2SignedFields(t, doc)],
];

describe.each(signers)('a form signed with %s', (family, sign) => {
  it('uploads the file under the key (path style): 204 with ETag and Location', async () => {
    const key = `signed/${family}.txt`;
    const doc = policyDoc([{ bucket }, ['eq', '$key', key]]);
    const res = await postForm(
      t,
      bucket,
      formBody([['key', key], ...sign(doc)], { filename: 'a.txt', content: family }),
    );
    expect(res.status, res.text).toBe(204);
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(res.headers.location).toBe(`${t.url}/${bucket}/signed/${encodeURIComponent(`${family}.txt`)}`);
    expect(await readBack(bucket, key)).toBe(family);
  });

  it('uploads through virtual-host addressing (POST / on the bucket host)', async () => {
    const key = `vhost/${family}.txt`;
    const doc = policyDoc([{ bucket }, ['starts-with', '$key', 'vhost/']]);
    const res = await postForm(t, bucket, formBody([['key', key], ...sign(doc)], { content: 'v' }), {
      style: 'virtual',
    });
    expect(res.status, res.text).toBe(204);
    expect(res.headers.location).toMatch(new RegExp(`^http://${bucket}\\.cos\\.localhost:\\d+/vhost/`));
    expect(await readBack(bucket, key)).toBe('v');
  });

  it('is refused with SignatureDoesNotMatch when signed with another secret, and writes nothing', async () => {
    const key = `bad/${family}.txt`;
    const doc = policyDoc([{ bucket }]);
    const fields =
      family === 'COS q-sign'
        ? cosSignedFields(t, doc, { secretKey: 'not-the-secret' })
        : family === 'SigV4'
          ? sigV4SignedFields(t, doc, { secretKey: 'not-the-secret' })
          : sigV2SignedFields({ ...t, secretKey: 'not-the-secret' }, doc);
    const res = await postForm(t, bucket, formBody([['key', key], ...fields], { content: 'x' }));
    expect(res.status).toBe(403);
    expect(xmlText(res.text, 'Code')).toBe('SignatureDoesNotMatch');
    await expect(t.s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).rejects.toMatchObject({
      name: 'NotFound',
    });
  });
});

describe('anonymous form uploads', () => {
  it('are refused on a private bucket', async () => {
    const res = await postForm(t, bucket, formBody([['key', 'anon.txt']], { content: 'x' }));
    expect(res.status).toBe(403);
    expect(xmlText(res.text, 'Code')).toBe('AccessDenied');
  });

  it('succeed on a public-read-write bucket, policy or not', async () => {
    let res = await postForm(t, publicBucket, formBody([['key', 'anon.txt']], { content: 'anonymous' }));
    expect(res.status, res.text).toBe(204);
    expect(await readBack(publicBucket, 'anon.txt')).toBe('anonymous');
    // An unsigned policy is still a policy: its conditions hold.
    const policy = Buffer.from(JSON.stringify(policyDoc([['starts-with', '$key', 'in/']]))).toString('base64');
    res = await postForm(
      t,
      publicBucket,
      formBody(
        [
          ['key', 'out.txt'],
          ['policy', policy],
        ],
        { content: 'x' },
      ),
    );
    expect(res.status).toBe(403);
    expect(xmlText(res.text, 'Message')).toMatch(/^Invalid according to Policy: Policy Condition failed/);
  });
});

describe('fields that could not be sent back as headers', () => {
  it.each([
    ['a Content-Type with CR LF', ['Content-Type', 'text/plain\r\nX-Evil: 1']],
    ['a metadata name with a space', ['x-amz-meta-a b', 'v']],
    ['a metadata value with a NUL', ['x-amz-meta-m', 'a\u0000b']],
  ] as const)('%s: 400 InvalidArgument, nothing stored', async (_label, field) => {
    const res = await postForm(t, publicBucket, formBody([['key', 'headers.txt'], [...field]], { content: 'x' }));
    expect(res.status, res.text).toBe(400);
    expect(xmlText(res.text, 'Code')).toBe('InvalidArgument');
    await expect(
      t.s3().send(new HeadObjectCommand({ Bucket: publicBucket, Key: 'headers.txt' })),
    ).rejects.toMatchObject({
      name: 'NotFound',
    });
  });
});

describe('authentication errors', () => {
  it('an unknown q-ak is InvalidAccessKeyId', async () => {
    const fields = cosSignedFields(t, policyDoc([])).map(([n, v]): [string, string] => [
      n,
      n === 'q-ak' ? 'AKIDunknown' : v,
    ]);
    const res = await postForm(t, bucket, formBody([['key', 'k'], ...fields], { content: 'x' }));
    expect(res.status).toBe(403);
    expect(xmlText(res.text, 'Code')).toBe('InvalidAccessKeyId');
  });

  it('a q-key-time in the past is "Request has expired"', async () => {
    const fields = cosSignedFields(t, policyDoc([]), { keyTime: '1000;2000' });
    const res = await postForm(t, bucket, formBody([['key', 'k'], ...fields], { content: 'x' }));
    expect(res.status).toBe(403);
    expect(xmlText(res.text, 'Message')).toBe('Request has expired');
  });

  it('a signature without a policy is InvalidArgument', async () => {
    const fields = sigV2SignedFields(t, policyDoc([])).filter(([n]) => n !== 'policy');
    const res = await postForm(t, bucket, formBody([['key', 'k'], ...fields], { content: 'x' }));
    expect(res.status).toBe(400);
    expect(xmlText(res.text, 'Code')).toBe('InvalidArgument');
    expect(xmlText(res.text, 'Message')).toMatch(/must contain a field named 'policy'/);
  });
});

describe('malformed forms', () => {
  const signed = () => cosSignedFields(t, policyDoc([]));

  it('a body that is not multipart/form-data is 412 PreconditionFailed', async () => {
    const res = await postForm(t, bucket, Buffer.from('key=x'), {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(412);
    expect(xmlText(res.text, 'Condition')).toBe('Bucket POST must be of the enclosure-type multipart/form-data');
  });

  it('a form without a file is IncorrectNumberOfFilesInPostRequest', async () => {
    const res = await postForm(t, bucket, formBody([['key', 'k'], ...signed()], undefined));
    expect(res.status).toBe(400);
    expect(xmlText(res.text, 'Code')).toBe('IncorrectNumberOfFilesInPostRequest');
  });

  it('a form without a key is InvalidArgument', async () => {
    const res = await postForm(t, bucket, formBody(signed(), { content: 'x' }));
    expect(res.status).toBe(400);
    expect(xmlText(res.text, 'Message')).toMatch(/must contain a field named 'key'/);
  });

  it('a body cut inside the file is MalformedPOSTRequest and stores nothing', async () => {
    const whole = formBody([['key', 'cut.txt'], ...signed()], { content: 'complete content' });
    const res = await postForm(t, bucket, whole.subarray(0, whole.length - 30));
    expect(res.status).toBe(400);
    expect(xmlText(res.text, 'Code')).toBe('MalformedPOSTRequest');
    await expect(t.s3().send(new HeadObjectCommand({ Bucket: bucket, Key: 'cut.txt' }))).rejects.toMatchObject({
      name: 'NotFound',
    });
  });

  it('a bucket that does not exist is NoSuchBucket', async () => {
    const res = await postForm(t, t.bucketName('nosuch'), formBody([['key', 'k'], ...signed()], { content: 'x' }));
    expect(res.status).toBe(404);
    expect(xmlText(res.text, 'Code')).toBe('NoSuchBucket');
  });
});

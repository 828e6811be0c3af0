/**
 * @coffer/sdk object methods against a live Coffer: the example calls of
 * https://intl.cloud.tencent.com/document/product/436/31710 (getBucket, putObject, headObject,
 * getObject, putObjectCopy, deleteObject, deleteMultipleObject, putObjectAcl, getObjectAcl), every addressing mode
 * on the wire, bodies (string, Buffer, Blob, stream, FilePath), Output, presigned and public URLs, errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import COS, { S3ServiceError } from '@coffer/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc64ecma, md5Hex, REGION as Region, recordRequests } from './helpers/cos.js';
import { cofferSdk, SDK_MODES } from './helpers/sdk.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let cos: COS;
const Bucket = 'sdkobjects-1250000000';

beforeAll(async () => {
  t = await startTestServer();
  cos = cofferSdk(t);
  await cos.putBucket({ Bucket, Region });
});
afterAll(async () => {
  await t.close();
});

/** Needs encoding in the path and the signature: space, parentheses, '+', UTF-8. */
const AWKWARD_KEY = 'dir/exampleobject(腾讯云) 1+1.txt';

describe.each(SDK_MODES)('addressing mode %s', (mode) => {
  const ModeBucket = `sdkmode${mode}-1250000000`;

  it('puts, lists, gets and deletes an awkward key, with the mode visible on the wire', async () => {
    const c = cofferSdk(t, mode);
    const recorder = recordRequests(ModeBucket);
    try {
      await c.putBucket({ Bucket: ModeBucket, Region });
      await c.putObject({ Bucket: ModeBucket, Region, Key: AWKWARD_KEY, Body: 'awkward' });
    } finally {
      recorder.stop();
    }
    const put = recorder.exchanges.at(-1)!;
    const encoded = '/dir/exampleobject%28%E8%85%BE%E8%AE%AF%E4%BA%91%29%201%2B1.txt';
    expect({ url: put.url, host: put.headers.host }).toEqual(
      {
        path: { url: `/${ModeBucket}${encoded}`, host: `127.0.0.1:${t.port}` },
        pathstyle: { url: `/${ModeBucket}${encoded}`, host: `127.0.0.1:${t.port}` },
        vhost: { url: encoded, host: `${ModeBucket}.cos.localhost:${t.port}` },
        ip: { url: encoded, host: `${ModeBucket}.cos.${Region}.myqcloud.com` },
      }[mode],
    );
    expect(put.headers.authorization).toMatch(/^q-sign-algorithm=sha1&q-ak=/);
    const listed = await c.getBucket({ Bucket: ModeBucket, Region, Prefix: 'dir/' });
    expect(listed.Contents.map((o) => o.Key)).toEqual([AWKWARD_KEY]);
    const got = await c.getObject({ Bucket: ModeBucket, Region, Key: AWKWARD_KEY });
    expect(String(got.Body)).toBe('awkward');
    const url = c.getObjectUrl({ Bucket: ModeBucket, Region, Key: AWKWARD_KEY });
    if (mode !== 'ip' && mode !== 'vhost') expect(await (await fetch(url)).text()).toBe('awkward');
    expect((await c.deleteObject({ Bucket: ModeBucket, Region, Key: AWKWARD_KEY })).statusCode).toBe(204);
  });
});

describe('COS JS SDK examples', () => {
  it('getBucket example 1: all files under a/ (Contents)', async () => {
    await cos.putObject({ Bucket, Region, Key: 'a/3mb.zip', Body: Buffer.alloc(3 * 1024, 1) });
    await cos.putObject({ Bucket, Region, Key: 'a/1/deep.txt', Body: 'deep' });
    const data = await new Promise<Awaited<ReturnType<COS['getBucket']>>>((resolve, reject) => {
      cos.getBucket({ Bucket, Region, Prefix: 'a/' }, (err, d) => (err ? reject(err) : resolve(d)));
    });
    expect(data).toMatchObject({ Name: Bucket, Prefix: 'a/', MaxKeys: '1000', IsTruncated: 'false', statusCode: 200 });
    expect(data.Contents.map((c) => c.Key)).toEqual(['a/1/deep.txt', 'a/3mb.zip']);
    expect(data.Contents[1]).toMatchObject({
      Key: 'a/3mb.zip',
      ETag: `"${md5Hex(Buffer.alloc(3 * 1024, 1))}"`,
      Size: String(3 * 1024),
      StorageClass: 'STANDARD',
    });
    expect(data.Contents[1]!.Owner?.ID).toBeTruthy();
    expect(data.RequestId).toBe(data.headers['x-cos-request-id']);
  });

  it('getBucket example 2: directory a/ without recursing (CommonPrefixes)', async () => {
    const data = await cos.getBucket({ Bucket, Region, Prefix: 'a/', Delimiter: '/' });
    expect(data).toMatchObject({ Prefix: 'a/', Delimiter: '/', IsTruncated: 'false' });
    expect(data.CommonPrefixes).toEqual([{ Prefix: 'a/1/' }]);
    expect(data.Contents.map((c) => c.Key)).toEqual(['a/3mb.zip']);
  });

  it('getBucket pages with Marker / MaxKeys / NextMarker and decodes nothing unasked', async () => {
    for (const k of ['p/1', 'p/2', 'p/3']) await cos.putObject({ Bucket, Region, Key: k, Body: k });
    const first = await cos.getBucket({ Bucket, Region, Prefix: 'p/', MaxKeys: 2 });
    expect(first.IsTruncated).toBe('true');
    expect(first.Contents.map((c) => c.Key)).toEqual(['p/1', 'p/2']);
    const rest = await cos.getBucket({ Bucket, Region, Prefix: 'p/', Marker: first.NextMarker ?? 'p/2' });
    expect(rest.Contents.map((c) => c.Key)).toEqual(['p/3']);
  });

  it('putObject "upload the file object": a File/Blob Body with StorageClass and onProgress', async () => {
    const content = Buffer.alloc(256 * 1024, 7);
    const file = new File([content], 'picture.jpg', { type: 'image/jpeg' });
    const progress: { loaded: number; total: number; percent: number }[] = [];
    const data = await cos.putObject({
      Bucket,
      Region,
      Key: 'picture.jpg',
      StorageClass: 'STANDARD',
      Body: file,
      onProgress: (p) => progress.push({ loaded: p.loaded, total: p.total, percent: p.percent }),
    });
    expect(data.ETag).toBe(`"${md5Hex(content)}"`);
    expect(data.Location).toBe(`127.0.0.1:${t.port}/${Bucket}/picture.jpg`);
    expect(data.headers['x-cos-hash-crc64ecma']).toBe(crc64ecma(content));
    expect(progress[0]).toEqual({ loaded: 0, total: content.length, percent: 0 });
    expect(progress.at(-1)).toEqual({ loaded: content.length, total: content.length, percent: 1 });
    const head = await cos.headObject({ Bucket, Region, Key: 'picture.jpg' });
    expect(head.headers['content-type']).toBe('image/jpeg');
  });

  it('putObject "upload a string" and "create a directory"', async () => {
    const put = await cos.putObject({ Bucket, Region, Key: 'hello.txt', Body: 'hello!' });
    expect(put.ETag).toBe(`"${md5Hex('hello!')}"`);
    expect(put.RequestId).toBe(put.headers['x-cos-request-id']);
    const dir = await cos.putObject({ Bucket, Region, Key: 'a/', Body: '' });
    expect(dir.statusCode).toBe(200);
    const listed = await cos.getBucket({ Bucket, Region, Prefix: 'a/', Delimiter: '/' });
    expect(listed.Contents.map((c) => [c.Key, c.Size])).toContainEqual(['a/', '0']);
  });

  it('headObject: metadata in headers; IfModifiedSince in the future → NotModified', async () => {
    await cos.putObject({
      Bucket,
      Region,
      Key: 'meta.txt',
      Body: 'm',
      ContentType: 'text/plain',
      'x-cos-meta-project': 'coffer',
    });
    const head = await cos.headObject({ Bucket, Region, Key: 'meta.txt' });
    expect(head).toMatchObject({ statusCode: 200, ETag: `"${md5Hex('m')}"` });
    expect(head.headers).toMatchObject({ 'content-type': 'text/plain', 'x-cos-meta-project': 'coffer' });
    const notModified = await cos.headObject({
      Bucket,
      Region,
      Key: 'meta.txt',
      IfModifiedSince: new Date(Date.now() + 3_600_000).toUTCString(),
    });
    expect(notModified).toEqual({ NotModified: true, statusCode: 304 });
  });

  it('getObject, and with Range "bytes=1-3"', async () => {
    await cos.putObject({ Bucket, Region, Key: 'range.txt', Body: '0123456789' });
    const whole = await cos.getObject({ Bucket, Region, Key: 'range.txt' });
    expect(Buffer.isBuffer(whole.Body)).toBe(true);
    expect(String(whole.Body)).toBe('0123456789');
    const part = await cos.getObject({ Bucket, Region, Key: 'range.txt', Range: 'bytes=1-3' });
    expect(part.statusCode).toBe(206);
    expect(String(part.Body)).toBe('123');
    const asText = await cos.getObject({ Bucket, Region, Key: 'range.txt', DataType: 'string' });
    expect(asText.Body).toBe('0123456789');
  });

  it('putObjectCopy with the COS CopySource form, then deleteObject', async () => {
    await cos.putObject({ Bucket, Region, Key: '2.jpg', Body: 'source', 'x-cos-meta-from': 'src' });
    const copied = await cos.putObjectCopy({
      Bucket,
      Region,
      Key: 'copy.jpg',
      CopySource: `${Bucket}.cos.${Region}.myqcloud.com/2.jpg`,
    });
    expect(copied).toMatchObject({ statusCode: 200, ETag: `"${md5Hex('source')}"` });
    expect(copied.LastModified).toMatch(/^\d{4}-\d\d-\d\dT/);
    const head = await cos.headObject({ Bucket, Region, Key: 'copy.jpg' });
    expect(head.headers['x-cos-meta-from']).toBe('src');
    const deleted = await cos.deleteObject({ Bucket, Region, Key: 'copy.jpg' });
    expect(deleted.statusCode).toBe(204);
    const err = (await cos.getObject({ Bucket, Region, Key: 'copy.jpg' }).catch((e: unknown) => e)) as S3ServiceError;
    expect(err).toBeInstanceOf(S3ServiceError);
    expect(err).toMatchObject({ statusCode: 404, code: 'NoSuchKey', error: { Code: 'NoSuchKey' } });
    expect(err.requestId).toBe(err.headers?.['x-cos-request-id']);
  });

  it('putObjectCopy rejects a CopySource it cannot parse before sending anything', async () => {
    const err = await cos
      .putObjectCopy({ Bucket, Region, Key: 'x', CopySource: '/bucket/key' })
      .catch((e: S3ServiceError) => e);
    expect(err).toMatchObject({ code: 'InvalidParameter', message: 'CopySource format error' });
  });

  it('deleteMultipleObject: Deleted lists both keys', async () => {
    await cos.putObject({ Bucket, Region, Key: '2.zip', Body: 'z' });
    const data = await cos.deleteMultipleObject({
      Bucket,
      Region,
      Objects: [{ Key: 'picture.jpg' }, { Key: '2.zip' }],
    });
    expect(data.statusCode).toBe(200);
    expect(data.Deleted.map((d) => d.Key).sort()).toEqual(['2.zip', 'picture.jpg']);
    expect(data.Error).toEqual([]);
    const quiet = await cos.deleteMultipleObject({ Bucket, Region, Objects: [{ Key: 'gone' }], Quiet: true });
    expect(quiet.Deleted).toEqual([]);
  });

  it('putObjectAcl (canned, grant header, AccessControlPolicy) and getObjectAcl', async () => {
    await cos.putObject({ Bucket, Region, Key: 'acl.jpg', Body: 'acl' });
    await cos.putObjectAcl({ Bucket, Region, Key: 'acl.jpg', ACL: 'public-read' });
    expect((await cos.getObjectAcl({ Bucket, Region, Key: 'acl.jpg' })).ACL).toBe('public-read');

    await cos.putObjectAcl({ Bucket, Region, Key: 'acl.jpg', GrantFullControl: 'id="100000000001"' });
    const granted = await cos.getObjectAcl({ Bucket, Region, Key: 'acl.jpg' });
    expect(granted.GrantFullControl).toContain('100000000001');

    const owner = granted.Owner.ID;
    await cos.putObjectAcl({
      Bucket,
      Region,
      Key: 'acl.jpg',
      AccessControlPolicy: {
        Owner: { ID: owner },
        Grants: [{ Grantee: { ID: 'qcs::cam::uin/100000000011:uin/100000000011' }, Permission: 'WRITE' }],
      },
    });
    const data = await cos.getObjectAcl({ Bucket, Region, Key: 'acl.jpg' });
    expect(data).toMatchObject({ statusCode: 200, Owner: { ID: owner } });
    expect(data.Grants).toContainEqual(
      expect.objectContaining({
        Grantee: expect.objectContaining({ ID: 'qcs::cam::uin/100000000011:uin/100000000011' }),
        Permission: 'WRITE',
      }),
    );
    expect(data).not.toHaveProperty('GrantWrite');
  });
});

describe('bodies, downloads and URLs', () => {
  it('putObject takes a Readable stream (chunked without ContentLength) and a FilePath', async () => {
    const streamed = await cos.putObject({
      Bucket,
      Region,
      Key: 'stream.txt',
      Body: Readable.from([Buffer.from('chunk-1 '), Buffer.from('chunk-2')]),
    });
    expect(streamed.ETag).toBe(`"${md5Hex('chunk-1 chunk-2')}"`);
    const file = path.join(t.dataDir, 'upload.json');
    fs.writeFileSync(file, '{"a":1}');
    await cos.putObject({ Bucket, Region, Key: 'from-file.json', FilePath: file });
    const head = await cos.headObject({ Bucket, Region, Key: 'from-file.json' });
    expect(head.headers).toMatchObject({ 'content-type': 'application/json', 'content-length': '7' });
  });

  it('getObject streams into Output (a path or a Writable) with download progress', async () => {
    const content = Buffer.alloc(512 * 1024, 3);
    await cos.putObject({ Bucket, Region, Key: 'download.bin', Body: content });
    const target = path.join(t.dataDir, 'download.bin');
    const progress: number[] = [];
    const data = await cos.getObject({
      Bucket,
      Region,
      Key: 'download.bin',
      Output: target,
      onProgress: (p) => progress.push(p.loaded),
    });
    expect(data).not.toHaveProperty('Body');
    expect(md5Hex(fs.readFileSync(target))).toBe(md5Hex(content));
    expect(progress.at(-1)).toBe(content.length);
    const chunks: Buffer[] = [];
    await cos.getObject({
      Bucket,
      Region,
      Key: 'download.bin',
      Output: new Writable({
        write(chunk: Buffer, _e, cb) {
          chunks.push(chunk);
          cb();
        },
      }),
    });
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
  });

  it('getObjectUrl: signed URLs work until they expire; unsigned ones only for public objects', async () => {
    await cos.putObject({ Bucket, Region, Key: 'url.txt', Body: 'url body' });
    const signed = cos.getObjectUrl({ Bucket, Region, Key: 'url.txt', Query: { 'response-content-type': 'text/x' } });
    const res = await fetch(signed);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/x');
    expect(await res.text()).toBe('url body');
    const viaCallback = await new Promise<string>((resolve) =>
      cos.getObjectUrl({ Bucket, Region, Key: 'url.txt' }, (_err, data) => resolve(data.Url)),
    );
    expect(viaCallback).toContain('q-url-param-list=&');
    expect((await fetch(viaCallback)).status).toBe(200);

    const unsigned = cos.getObjectUrl({ Bucket, Region, Key: 'url.txt', Sign: false });
    expect(unsigned).toBe(`http://127.0.0.1:${t.port}/${Bucket}/url.txt`);
    expect((await fetch(unsigned)).status).toBe(403);
    await cos.putObjectAcl({ Bucket, Region, Key: 'url.txt', ACL: 'public-read' });
    expect(await (await fetch(unsigned)).text()).toBe('url body');
  });

  it('an anonymous client (no keys) reads a public-read object', async () => {
    await cos.putObject({ Bucket, Region, Key: 'public.txt', Body: 'open', ACL: 'public-read' });
    const anonymous = cofferSdk(t, 'pathstyle', { SecretId: '', SecretKey: '' });
    expect(String((await anonymous.getObject({ Bucket, Region, Key: 'public.txt' })).Body)).toBe('open');
    const err = await anonymous.putObject({ Bucket, Region, Key: 'x', Body: 'x' }).catch((e: S3ServiceError) => e);
    expect(err.statusCode).toBe(403);
  });

  it('getAuthorization with temporary keys from Coffer’s STS: signed with them, token sent, asked for once', async () => {
    // POST /-/sts, signed with the root's permanent key (docs/admin-api.md).
    const body = JSON.stringify({ DurationSeconds: 900 });
    const authorization = COS.getAuthorization({
      SecretId: t.secretId,
      SecretKey: t.secretKey,
      Method: 'post',
      Pathname: '/-/sts',
      Headers: { Host: `127.0.0.1:${t.port}`, 'Content-Type': 'application/json', 'Content-Length': body.length },
    });
    const res = await fetch(`${t.url}/-/sts`, {
      method: 'POST',
      headers: { Authorization: authorization, 'Content-Type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
    const issued = (await res.json()) as {
      Credentials: { TmpSecretId: string; TmpSecretKey: string; Token: string };
      StartTime: number;
      ExpiredTime: number;
    };
    let calls = 0;
    const sts = cofferSdk(t, 'pathstyle', {
      SecretId: '',
      SecretKey: '',
      getAuthorization: (_options, callback) => {
        calls++;
        callback({
          TmpSecretId: issued.Credentials.TmpSecretId,
          TmpSecretKey: issued.Credentials.TmpSecretKey,
          SecurityToken: issued.Credentials.Token,
          StartTime: issued.StartTime,
          ExpiredTime: issued.ExpiredTime,
        });
      },
    });
    const recorder = recordRequests('sts-object');
    try {
      await sts.putObject({ Bucket, Region, Key: 'sts-object', Body: 'temporary' });
      expect(String((await sts.getObject({ Bucket, Region, Key: 'sts-object' })).Body)).toBe('temporary');
    } finally {
      recorder.stop();
    }
    expect(calls).toBe(1);
    for (const exchange of recorder.exchanges) {
      expect(exchange.headers['x-cos-security-token']).toBe(issued.Credentials.Token);
      expect(exchange.headers.authorization).toContain(`q-ak=${issued.Credentials.TmpSecretId}`);
    }
  });

  it('getAuthorization returning a ready Authorization string', async () => {
    const signer = cofferSdk(t, 'pathstyle', {
      SecretId: '',
      SecretKey: '',
      getAuthorization: (options, callback) =>
        callback(
          COS.getAuthorization({
            SecretId: t.secretId,
            SecretKey: t.secretKey,
            Method: options.Method,
            Pathname: options.Pathname,
            Query: options.Query,
            Headers: options.Headers,
          }),
        ),
    });
    await signer.putObject({ Bucket, Region, Key: 'signed-elsewhere', Body: '1' });
    const data = await signer.getObject({ Bucket, Region, Key: 'signed-elsewhere' });
    expect(String(data.Body)).toBe('1');
  });
});

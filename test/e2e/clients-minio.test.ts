import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import * as Minio from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPagedBucket,
  md5Hex,
  multipartEtag,
  PAGE_DIR,
  PAGE_KEYS,
  type RecordingProxy,
  startRecordingProxy,
  tempDir,
} from './helpers/clients.js';
import { settledOnEveryGateway } from './helpers/cluster.js';
import { readAll, startTestServer, TEST_REGION, type TestServer } from './helpers/server.js';

const MIB = 1024 * 1024;
/** minio-js's smallest part size; its default (64 MiB) would send a 20 MiB object in one PUT. */
const PART_BYTES = 5 * MIB;

/** Everything a BucketStream yields, once it ends. */
function collect<T>(stream: NodeJS.ReadableStream): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    stream.on('data', (item: T) => items.push(item));
    stream.on('end', () => resolve(items));
    stream.on('error', reject);
  });
}

/** What a rejected call carried: minio-js names the S3 error in `code`. */
async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return String((err as { code?: string }).code);
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** What listObjects yields with IncludeVersion (minio-js's BucketItem type leaves these fields out). */
interface VersionItem {
  name: string;
  versionId: string;
  isLatest: boolean;
  isDeleteMarker: boolean;
  size: number;
}

/** The bytes split into 64 KiB chunks, as a file stream delivers them. */
function chunked(data: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += 64 * 1024) chunks.push(data.subarray(i, i + 64 * 1024));
  return Readable.from(chunks);
}

describe('minio-js 8.0.7 (pathStyle, no region)', () => {
  let t: TestServer;
  let proxy: RecordingProxy;
  let work: string;
  let client: Minio.Client;
  let bucket: string;
  const names = (items: { name?: string; prefix?: string }[]) => items.map((i) => i.name ?? i.prefix);
  const read = async (key: string, opts?: { versionId?: string }) => readAll(await client.getObject(bucket, key, opts));

  beforeAll(async () => {
    t = await startTestServer();
    proxy = await startRecordingProxy(t.port);
    work = await tempDir('coffer-minio-');
    // As minio-js users write it for a self-hosted endpoint: no region, so it asks GetBucketLocation.
    client = new Minio.Client({
      endPoint: '127.0.0.1',
      port: t.port,
      useSSL: false,
      accessKey: t.secretId,
      secretKey: t.secretKey,
      pathStyle: true,
    });
    bucket = t.bucketName('minio');
  });
  afterAll(async () => {
    await proxy?.close();
    await t?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('makeBucket, then bucketExists asks GetBucketLocation first and signs with the region it returns', async () => {
    const viaProxy = new Minio.Client({
      endPoint: '127.0.0.1',
      port: proxy.port,
      useSSL: false,
      accessKey: t.secretId,
      secretKey: t.secretKey,
      pathStyle: true,
    });
    await viaProxy.makeBucket(bucket);
    expect(await viaProxy.bucketExists(bucket)).toBe(true);
    expect(await viaProxy.bucketExists('coffer-no-such-bucket')).toBe(false);
    const sent = proxy.requests.map((r) => `${r.method} ${r.path}${r.query.size ? `?${r.query}` : ''} ${r.status}`);
    expect(sent).toEqual([
      `PUT /${bucket} 200`,
      `GET /${bucket}?location= 200`,
      `HEAD /${bucket} 200`,
      'GET /coffer-no-such-bucket?location= 404',
    ]);
    expect(proxy.requests[1]!.headers['authorization']).toContain('/us-east-1/s3/aws4_request');
    expect(proxy.requests[2]!.headers['authorization']).toContain(`/${TEST_REGION}/s3/aws4_request`);
  });

  it('putObject (string with metadata, Buffer), statObject, getObject and getPartialObject', async () => {
    const put = await client.putObject(bucket, 'docs/hello.txt', 'hello, minio', undefined, {
      'Content-Type': 'text/plain; charset=utf-8',
      'X-Amz-Meta-Color': 'blue',
      Project: 'coffer',
    });
    expect(put).toEqual({ etag: md5Hex('hello, minio'), versionId: null });
    const buf = randomBytes(1000);
    expect((await client.putObject(bucket, 'docs/buf.bin', buf)).etag).toBe(md5Hex(buf));

    const stat = await client.statObject(bucket, 'docs/hello.txt');
    expect(stat).toMatchObject({ size: 12, etag: md5Hex('hello, minio'), versionId: null });
    // Metadata round trip: x-amz-meta-* comes back without its prefix, lower-cased.
    expect(stat.metaData).toEqual({ 'content-type': 'text/plain; charset=utf-8', color: 'blue', project: 'coffer' });
    expect(Math.abs(stat.lastModified.getTime() - Date.now())).toBeLessThan(10_000);

    expect((await read('docs/hello.txt')).toString()).toBe('hello, minio');
    expect((await read('docs/buf.bin')).equals(buf)).toBe(true);
    expect((await readAll(await client.getPartialObject(bucket, 'docs/hello.txt', 7, 5))).toString()).toBe('minio');
    expect((await readAll(await client.getPartialObject(bucket, 'docs/buf.bin', 990))).equals(buf.subarray(990))).toBe(
      true,
    );
  });

  it('putObject of a 20 MiB stream goes multipart (5 MiB parts); one of unknown size too', async () => {
    const parted = new Minio.Client({
      endPoint: '127.0.0.1',
      port: t.port,
      useSSL: false,
      accessKey: t.secretId,
      secretKey: t.secretKey,
      pathStyle: true,
      partSize: PART_BYTES,
    });
    const data = randomBytes(20 * MIB);
    const partsBefore = t.server.metrics.requests('UploadPart');
    const put = await parted.putObject(bucket, 'big/stream.bin', chunked(data), data.length);
    // minio-js numbers the parts 2..5 (it increments before the first part); S3 only needs them ascending.
    expect(put.etag).toBe(multipartEtag(data, PART_BYTES));
    expect(t.server.metrics.requests('UploadPart') - partsBefore).toBe(4);
    expect((await read('big/stream.bin')).equals(data)).toBe(true);

    // Without a size minio-js goes multipart with one huge part (and looks for an upload to resume first).
    const small = randomBytes(MIB);
    const unknown = await client.putObject(bucket, 'unknown.bin', chunked(small));
    expect(unknown.etag).toBe(multipartEtag(small, small.length));
    expect((await read('unknown.bin')).equals(small)).toBe(true);
  });

  it('fPutObject and fGetObject move files (content type from the extension)', async () => {
    const photo = randomBytes(3 * MIB);
    await fs.writeFile(path.join(work, 'photo.jpg'), photo);
    expect((await client.fPutObject(bucket, 'photo.jpg', path.join(work, 'photo.jpg'))).etag).toBe(md5Hex(photo));
    await client.fGetObject(bucket, 'photo.jpg', path.join(work, 'photo-down.jpg'));
    expect((await fs.readFile(path.join(work, 'photo-down.jpg'))).equals(photo)).toBe(true);
    expect((await client.statObject(bucket, 'photo.jpg')).metaData).toEqual({ 'content-type': 'image/jpeg' });
  });

  it('listObjects and listObjectsV2, recursive or by level, with awkward keys', async () => {
    await client.putObject(bucket, 'dir with space/a b.txt', 'space');
    await client.putObject(bucket, 'ünï/日本/😀.txt', 'unicode');
    const all = ['big/stream.bin', 'dir with space/a b.txt', 'docs/buf.bin', 'docs/hello.txt', 'photo.jpg'];
    const allKeys = [...all, 'unknown.bin', 'ünï/日本/😀.txt'];
    const level = ['big/', 'dir with space/', 'docs/', 'photo.jpg', 'unknown.bin', 'ünï/'];
    expect(names(await collect(client.listObjects(bucket, '', true)))).toEqual(allKeys);
    expect(names(await collect(client.listObjectsV2(bucket, '', true)))).toEqual(allKeys);
    // Non-recursive: objects first, then prefixes, each in key order (as minio-js emits a page).
    const sortedNames = (items: { name?: string; prefix?: string }[]) => names(items).sort();
    expect(sortedNames(await collect(client.listObjects(bucket, '', false)))).toEqual(level);
    expect(sortedNames(await collect(client.listObjectsV2(bucket, '', false)))).toEqual(level);
    expect(await collect(client.listObjectsV2(bucket, 'docs/', false))).toEqual([
      expect.objectContaining({ name: 'docs/buf.bin', size: 1000, etag: expect.any(String) }),
      expect.objectContaining({ name: 'docs/hello.txt', size: 12, etag: md5Hex('hello, minio') }),
    ]);
    expect(names(await collect(client.listObjectsV2(bucket, 'dir with space/', false)))).toEqual([
      'dir with space/a b.txt',
    ]);
    expect(names(await collect(client.listObjectsV2(bucket, '', true, 'photo.jpg')))).toEqual(allKeys.slice(5));
  });

  it('lists past a 1,000-key page when the page ends on a key that needs URL-encoding', async () => {
    const paged = t.bucketName('minipaged');
    await createPagedBucket(t.s3(), paged);
    // V1 without a delimiter: minio-js resumes from the last (decoded) Key, as S3 sends no NextMarker.
    expect(names(await collect(client.listObjects(paged, 'paged/', true)))).toEqual(PAGE_KEYS);
    expect(names(await collect(client.listObjectsV2(paged, 'paged/', true)))).toEqual(PAGE_KEYS);
    expect(names(await collect(client.listObjectsV2(paged, PAGE_DIR, false)))).toEqual(PAGE_KEYS);
  });

  it('removeObject and removeObjects (one quiet POST ?delete)', async () => {
    await client.removeObject(bucket, 'unknown.bin');
    expect(await client.removeObjects(bucket, ['docs/buf.bin', 'dir with space/a b.txt', 'never-existed'])).toEqual([]);
    expect(names(await collect(client.listObjects(bucket, '', true)))).toEqual([
      'big/stream.bin',
      'docs/hello.txt',
      'photo.jpg',
      'ünï/日本/😀.txt',
    ]);
    expect(await failure(client.statObject(bucket, 'unknown.bin'))).toBe('NotFound');
  });

  it('presignedGetObject and presignedPutObject URLs work with plain fetch', async () => {
    const getUrl = await client.presignedGetObject(bucket, 'ünï/日本/😀.txt', 60, {
      'response-content-type': 'application/x-coffer',
    });
    expect(new URL(getUrl).searchParams.get('X-Amz-Credential')).toContain(`/${TEST_REGION}/s3/aws4_request`);
    const got = await fetch(getUrl);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/x-coffer');
    expect(await got.text()).toBe('unicode');

    const putUrl = await client.presignedPutObject(bucket, 'uploads/from presign.txt', 60);
    const put = await fetch(putUrl, { method: 'PUT', body: 'sent with a presigned URL' });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe(`"${md5Hex('sent with a presigned URL')}"`);
    expect((await read('uploads/from presign.txt')).toString()).toBe('sent with a presigned URL');
    // A different first character of the signature (replacing it with '0' could leave it unchanged).
    const forged = getUrl.replace(/X-Amz-Signature=(\w)/, (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
    expect((await fetch(forged)).status).toBe(403);
  });

  it('copyObject honours CopyConditions', async () => {
    const etag = md5Hex('hello, minio');
    const match = new Minio.CopyConditions();
    match.setMatchETag(etag);
    const copied = await client.copyObject(bucket, 'copies/hello.txt', `/${bucket}/docs/hello.txt`, match);
    expect(copied).toMatchObject({ etag });
    expect((await read('copies/hello.txt')).toString()).toBe('hello, minio');
    expect((await client.statObject(bucket, 'copies/hello.txt')).metaData).toMatchObject({ color: 'blue' });

    const mismatch = new Minio.CopyConditions();
    mismatch.setMatchETagExcept(etag);
    expect(await failure(client.copyObject(bucket, 'copies/no.txt', `/${bucket}/docs/hello.txt`, mismatch))).toBe(
      'PreconditionFailed',
    );
    const notModified = new Minio.CopyConditions();
    notModified.setModified(new Date(Date.now() + 3_600_000));
    expect(await failure(client.copyObject(bucket, 'copies/no.txt', `/${bucket}/docs/hello.txt`, notModified))).toBe(
      'PreconditionFailed',
    );
    expect(await failure(client.statObject(bucket, 'copies/no.txt'))).toBe('NotFound');
  });

  it('setBucketVersioning / getBucketVersioning, and versions through stat, get, list and remove', async () => {
    expect(await client.getBucketVersioning(bucket)).toBe('');
    await client.setBucketVersioning(bucket, { Status: 'Enabled' });
    expect(await client.getBucketVersioning(bucket)).toEqual({ Status: 'Enabled' });
    const v1 = (await client.putObject(bucket, 'v.txt', 'one')).versionId!;
    const v2 = (await client.putObject(bucket, 'v.txt', 'two!')).versionId!;
    expect(v1).toMatch(/^\S+$/);
    expect(v2).not.toBe(v1);
    expect(await client.statObject(bucket, 'v.txt', { versionId: v1 })).toMatchObject({ size: 3, versionId: v1 });
    expect((await read('v.txt', { versionId: v1 })).toString()).toBe('one');
    expect((await read('v.txt')).toString()).toBe('two!');
    const versions = await collect<VersionItem>(client.listObjects(bucket, 'v.txt', true, { IncludeVersion: true }));
    expect(versions.map((v) => [v.name, v.versionId, v.isLatest, v.size])).toEqual([
      ['v.txt', v2, true, 4],
      ['v.txt', v1, false, 3],
    ]);
    await client.removeObject(bucket, 'v.txt', { versionId: v2 });
    expect((await read('v.txt')).toString()).toBe('one');
    await client.setBucketVersioning(bucket, { Status: 'Suspended' });
    expect(await client.getBucketVersioning(bucket)).toEqual({ Status: 'Suspended' });
  });

  it('setBucketPolicy / getBucketPolicy: anonymous GET follows the policy; an empty policy deletes it', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: ['*'] },
          Action: ['s3:GetObject'],
          Resource: [`arn:aws:s3:::${bucket}/docs/*`],
        },
      ],
    };
    // A connection per request, so that in a cluster each goes to the next gateway.
    const anonymous = (key = 'docs/hello.txt') =>
      new Promise<{ status: number }>((resolve, reject) => {
        http
          .get(`${t.url}/${bucket}/${key}`, { agent: false }, (res) => {
            res.resume();
            resolve({ status: res.statusCode! });
          })
          .on('error', reject);
      });
    expect((await anonymous()).status).toBe(403);
    await client.setBucketPolicy(bucket, JSON.stringify(policy));
    expect(JSON.parse(await client.getBucketPolicy(bucket))).toEqual(policy);
    // In a cluster the other gateways hear of it by LISTEN/NOTIFY, right after the response.
    await settledOnEveryGateway(async () => expect((await anonymous()).status).toBe(200));
    expect((await anonymous('photo.jpg')).status).toBe(403);
    await client.setBucketPolicy(bucket, '');
    expect(await failure(client.getBucketPolicy(bucket))).toBe('NoSuchBucketPolicy');
    await settledOnEveryGateway(async () => expect((await anonymous()).status).toBe(403));
  });

  it('removeBucket refuses a bucket with versions; removing every version lets it go', async () => {
    expect(await failure(client.removeBucket(bucket))).toBe('BucketNotEmpty');
    const versions = await collect<VersionItem>(client.listObjects(bucket, '', true, { IncludeVersion: true }));
    expect(versions.length).toBeGreaterThan(0);
    const removed = await client.removeObjects(
      bucket,
      versions.map((v) => ({ name: v.name, versionId: v.versionId })),
    );
    expect(removed).toEqual([]);
    await client.removeBucket(bucket);
    expect(await client.bucketExists(bucket)).toBe(false);
  });
});

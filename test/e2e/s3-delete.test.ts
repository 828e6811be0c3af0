import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWKWARD_KEYS, errorOf, md5Base64, rawRequest, recordWire, sdkError, xmlValues } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** Keys that an XML body must carry exactly (control characters cannot be written in XML 1.0 at all). */
const XML_SAFE_AWKWARD = [
  AWKWARD_KEYS.space,
  AWKWARD_KEYS.unicode,
  AWKWARD_KEYS.plus,
  AWKWARD_KEYS.percent,
  AWKWARD_KEYS.question,
  AWKWARD_KEYS.hash,
  AWKWARD_KEYS.xmlSpecials,
  AWKWARD_KEYS.leadingSpace,
];

describe('S3 DELETE Object and DeleteObjects (@aws-sdk/client-s3)', () => {
  let t: TestServer;
  let s3: S3Client;
  let wire: ReturnType<typeof recordWire>;
  let bucket: string;
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    wire = recordWire(s3);
    bucket = t.bucketName('del');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await t.close();
  });

  const put = (Key: string, Body: string | Uint8Array = `body:${Key}`) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
  const listKeys = async (Prefix = '') =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix }))).Contents ?? []).map((c) => c.Key);

  describe('DELETE Object', () => {
    it('204 for an existing key, which is then gone', async () => {
      await put('one/doomed.txt');
      const res = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'one/doomed.txt' }));
      expect(res.$metadata.httpStatusCode).toBe(204);
      expect(res.DeleteMarker).toBeUndefined();
      expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'one/doomed.txt' })))).toMatchObject({
        status: 404,
        code: 'NoSuchKey',
      });
    });

    it('204 also when the key never existed', async () => {
      const res = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'never/was' }));
      expect(res.$metadata.httpStatusCode).toBe(204);
      const raw = await rawRequest(t, { method: 'DELETE', path: `/${bucket}/never/was` });
      expect(raw.status).toBe(204);
      expect(raw.body.length).toBe(0);
    });

    it('deleting a folder marker leaves the keys under it', async () => {
      await put('folder/', new Uint8Array(0));
      await put('folder/child.txt');
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'folder/' }));
      expect(await listKeys('folder')).toEqual(['folder/child.txt']);
    });

    it('a missing bucket is 404 NoSuchBucket', async () => {
      expect(
        await sdkError(s3.send(new DeleteObjectCommand({ Bucket: t.bucketName('nobucket'), Key: 'k' }))),
      ).toMatchObject({ status: 404, code: 'NoSuchBucket' });
    });
  });

  describe('DeleteObjects (POST ?delete)', () => {
    it('Verbose: reports every key as deleted, present or not; the SDK sends CRC32 and no Content-MD5', async () => {
      await Promise.all(['v/1', 'v/2', 'v/3'].map((k) => put(k)));
      const res = await s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: [{ Key: 'v/1' }, { Key: 'v/2' }, { Key: 'v/3' }, { Key: 'v/absent' }] },
        }),
      );
      const w = wire.at(-1)!;
      expect(w.method).toBe('POST');
      expect(w.query['delete']).toBe('');
      expect(w.headers['content-md5']).toBeUndefined();
      expect(w.headers['x-amz-checksum-crc32']).toMatch(/^[A-Za-z0-9+/]{6}==$/);
      expect(res.Deleted?.map((d) => d.Key).sort()).toEqual(['v/1', 'v/2', 'v/3', 'v/absent']);
      expect(res.Errors).toBeUndefined();
      expect(await listKeys('v/')).toEqual([]);
    });

    it('Quiet: only errors are reported', async () => {
      await Promise.all(['q/1', 'q/2'].map((k) => put(k)));
      const res = await s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Quiet: true, Objects: [{ Key: 'q/1' }, { Key: 'q/2' }, { Key: 'q/none' }] },
        }),
      );
      expect(res.Deleted).toBeUndefined();
      expect(res.Errors).toBeUndefined();
      expect(await listKeys('q/')).toEqual([]);
    });

    it('a bad key is reported on its own (KeyTooLongError) while the others are deleted, Quiet or not', async () => {
      const tooLong = 'x'.repeat(1025);
      for (const quiet of [false, true]) {
        await Promise.all(['e/1', 'e/2'].map((k) => put(k)));
        const res = await s3.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Quiet: quiet, Objects: [{ Key: 'e/1' }, { Key: tooLong }, { Key: 'e/2' }] },
          }),
        );
        expect(res.$metadata.httpStatusCode).toBe(200);
        expect(res.Errors).toEqual([
          { Key: tooLong, Code: 'KeyTooLongError', Message: expect.stringContaining('too long') },
        ]);
        expect(res.Deleted?.map((d) => d.Key).sort()).toEqual(quiet ? undefined : ['e/1', 'e/2']);
        expect(await listKeys('e/')).toEqual([]);
      }
    });

    it('carries awkward keys exactly in both directions', async () => {
      await Promise.all(XML_SAFE_AWKWARD.map((k) => put(k)));
      const res = await s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: XML_SAFE_AWKWARD.map((Key) => ({ Key })) } }),
      );
      expect(res.Deleted?.map((d) => d.Key).sort()).toEqual([...XML_SAFE_AWKWARD].sort());
      for (const key of XML_SAFE_AWKWARD) {
        expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })))).toMatchObject({
          status: 404,
        });
      }
    });

    it('takes keys literally: "/lead" is not "lead"', async () => {
      await put('lead');
      const res = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: '/lead' }] } }));
      expect(res.Deleted?.map((d) => d.Key)).toEqual(['/lead']);
      expect(await listKeys('lead')).toEqual(['lead']);
    });

    it('VersionId "null" names the only version of an unversioned key and is echoed', async () => {
      await put('ver');
      const res = await s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'ver', VersionId: 'null' }] } }),
      );
      expect(res.Deleted).toEqual([{ Key: 'ver', VersionId: 'null' }]);
      expect(await listKeys('ver')).toEqual([]);
    });

    it('1000 keys are accepted; 1001 are 400 MalformedXML and delete nothing', async () => {
      const keys = Array.from({ length: 1001 }, (_, i) => ({ Key: `many/${i}` }));
      await put('many/0');
      const tooMany = await sdkError(s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } })));
      expect(tooMany).toMatchObject({ status: 400, code: 'MalformedXML' });
      expect(await listKeys('many/')).toEqual(['many/0']);
      const ok = await s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Quiet: true, Objects: keys.slice(0, 1000) } }),
      );
      expect(ok.$metadata.httpStatusCode).toBe(200);
      expect(ok.Errors).toBeUndefined();
      expect(await listKeys('many/')).toEqual([]);
    });

    it('checks Content-MD5 when sent (minio-js, COS SDK): right → 200, wrong → 400 BadDigest', async () => {
      await put('md5/a');
      const body = '<Delete><Object><Key>md5/a</Key></Object></Delete>';
      const bad = await rawRequest(t, {
        method: 'POST',
        path: `/${bucket}`,
        query: 'delete',
        body,
        headers: { 'content-md5': md5Base64('something else') },
      });
      expect(errorOf(bad)).toMatchObject({ status: 400, code: 'BadDigest' });
      expect(await listKeys('md5/')).toEqual(['md5/a']);
      const good = await rawRequest(t, {
        method: 'POST',
        path: `/${bucket}`,
        query: 'delete',
        body,
        headers: { 'content-md5': md5Base64(body) },
      });
      expect(good.status).toBe(200);
      expect(xmlValues(good.text, 'Key')).toEqual(['md5/a']);
      expect(await listKeys('md5/')).toEqual([]);
    });

    it.each([
      ['not XML', 'this is not xml'],
      ['the wrong root', '<Remove><Object><Key>a</Key></Object></Remove>'],
      ['no objects', '<Delete><Quiet>true</Quiet></Delete>'],
      ['an Object without Key', '<Delete><Object><VersionId>x</VersionId></Object></Delete>'],
      ['unclosed tags', '<Delete><Object><Key>a</Key></Object>'],
      ['a DOCTYPE', '<!DOCTYPE x [<!ENTITY a "b">]><Delete><Object><Key>&a;</Key></Object></Delete>'],
    ])('a body with %s is 400 MalformedXML', async (_label, body) => {
      const res = await rawRequest(t, { method: 'POST', path: `/${bucket}`, query: 'delete', body });
      expect(errorOf(res)).toMatchObject({ status: 400, code: 'MalformedXML', resource: bucket });
    });

    it('an empty body is 400 MissingRequestBodyError', async () => {
      const res = await rawRequest(t, { method: 'POST', path: `/${bucket}`, query: 'delete', body: '' });
      expect(errorOf(res)).toMatchObject({ status: 400, code: 'MissingRequestBodyError' });
    });

    it('a missing bucket is 404 NoSuchBucket', async () => {
      expect(
        await sdkError(
          s3.send(new DeleteObjectsCommand({ Bucket: t.bucketName('nobucket'), Delete: { Objects: [{ Key: 'a' }] } })),
        ),
      ).toMatchObject({ status: 404, code: 'NoSuchBucket' });
    });
  });
});

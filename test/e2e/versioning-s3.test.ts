/**
 * Versioning through @aws-sdk/client-s3: the COS way of recovering a file deleted or overwritten by
 * mistake (https://intl.cloud.tencent.com/document/product/436/19883): enable versioning, then copy an
 * older version back over the key. Version ids on every write and read, delete markers, the "null"
 * version of a suspended bucket, DeleteObjects with
 * versions, and an unversioned bucket that never mentions a version.
 */
import { randomBytes } from 'node:crypto';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settledOnEveryGateway } from './helpers/cluster.js';
import { blobFileCount } from './helpers/lifecycle.js';
import { errorOf, rawRequest, recordWire, sdkError, type WireRecord } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let s3: S3Client;
let wire: WireRecord[];

beforeAll(async () => {
  t = await startTestServer();
  s3 = t.s3();
  wire = recordWire(s3);
});
afterAll(async () => {
  await t.close();
});

async function versionedBucket(prefix: string): Promise<string> {
  const Bucket = t.bucketName(prefix);
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  return Bucket;
}

async function body(Bucket: string, Key: string, VersionId?: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket, Key, ...(VersionId ? { VersionId } : {}) }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

/** Every version and delete marker of a bucket as `key kind versionId latest`, in listing order. */
async function versionsOf(Bucket: string, Prefix?: string): Promise<string[]> {
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket, ...(Prefix ? { Prefix } : {}) }));
  const rows = [
    ...(out.Versions ?? []).map((v) => ({ ...v, kind: 'V' })),
    ...(out.DeleteMarkers ?? []).map((m) => ({ ...m, kind: 'M' })),
  ];
  // The SDK splits Version and DeleteMarker into two arrays; the listing interleaves them newest first.
  rows.sort((a, b) =>
    a.Key! < b.Key! ? -1 : a.Key! > b.Key! ? 1 : b.LastModified!.getTime() - a.LastModified!.getTime(),
  );
  return rows.map((r) => `${r.Key} ${r.kind} ${r.VersionId} ${r.IsLatest ? 'latest' : 'old'}`);
}

/** The version headers of the last response, in both spellings. */
function lastVersionHeaders(): { cos?: string; amz?: string; cosMarker?: string; amzMarker?: string } {
  const h = wire.at(-1)!.responseHeaders;
  return {
    cos: h['x-cos-version-id'],
    amz: h['x-amz-version-id'],
    cosMarker: h['x-cos-delete-marker'],
    amzMarker: h['x-amz-delete-marker'],
  };
}

describe('bucket versioning configuration', () => {
  it('starts with no status, goes Enabled and Suspended, and a bad Status is MalformedXML that changes nothing', async () => {
    const Bucket = t.bucketName('vconf');
    await s3.send(new CreateBucketCommand({ Bucket }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBeUndefined();

    const bad = await sdkError(
      s3.send(
        new PutBucketVersioningCommand({
          Bucket,
          VersioningConfiguration: { Status: 'Disabled' as 'Enabled' },
        }),
      ),
    );
    expect(bad).toMatchObject({ status: 400, code: 'MalformedXML' });
    expect(bad.message).toMatch(/Disabled/);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBeUndefined();

    // In a cluster another gateway's cached bucket hears of the change by LISTEN/NOTIFY just after the response.
    const expectStatus = (status: string) =>
      settledOnEveryGateway(async () =>
        expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe(status),
      );
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await expectStatus('Enabled');
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } }));
    await expectStatus('Suspended');

    // There is no way back to "never enabled": a status-less configuration changes nothing.
    const xml = '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></VersioningConfiguration>';
    const res = await rawRequest(t, { method: 'PUT', path: `/${Bucket}`, query: 'versioning', body: xml });
    expect(res.status).toBe(200);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Suspended');
    const lowercase = await rawRequest(t, {
      method: 'PUT',
      path: `/${Bucket}`,
      query: 'versioning',
      body: '<VersioningConfiguration><Status>enabled</Status></VersioningConfiguration>',
    });
    expect(errorOf(lowercase)).toMatchObject({ status: 400, code: 'MalformedXML' });
  });
});

describe('an unversioned bucket', () => {
  it('reports no version id on PUT, COPY, GET, HEAD or DELETE, and lists its objects as the null version', async () => {
    const Bucket = t.bucketName('vnone');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'a.txt', Body: 'a' }));
    expect(put.VersionId).toBeUndefined();
    expect(lastVersionHeaders()).toEqual({});
    const copy = await s3.send(new CopyObjectCommand({ Bucket, Key: 'b.txt', CopySource: `${Bucket}/a.txt` }));
    expect(copy.VersionId).toBeUndefined();
    expect(lastVersionHeaders()).toEqual({});
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'a.txt' }));
    await got.Body!.transformToByteArray();
    expect(got.VersionId).toBeUndefined();
    expect(lastVersionHeaders()).toEqual({});
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'a.txt' }))).VersionId).toBeUndefined();
    expect(lastVersionHeaders()).toEqual({});
    expect(await versionsOf(Bucket)).toEqual(['a.txt V null latest', 'b.txt V null latest']);
    const del = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'a.txt' }));
    expect(del.VersionId).toBeUndefined();
    expect(del.DeleteMarker).toBeUndefined();
    expect(lastVersionHeaders()).toEqual({});
    const multi = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'b.txt' }] } }));
    expect(multi.Deleted).toEqual([{ Key: 'b.txt' }]);
    expect(await versionsOf(Bucket)).toEqual([]);
  });
});

describe('recovering an overwritten or deleted object (COS versioning)', () => {
  it('keeps every version; copying an old version over the key restores its exact bytes', async () => {
    const Bucket = await versionedBucket('vrecover');
    const Key = 'reports/q1.bin';
    const first = randomBytes(50_000);
    const second = randomBytes(20_000);
    const v1 = (await s3.send(new PutObjectCommand({ Bucket, Key, Body: first }))).VersionId!;
    expect(lastVersionHeaders()).toEqual({ cos: v1, amz: v1 });
    const v2 = (await s3.send(new PutObjectCommand({ Bucket, Key, Body: second }))).VersionId!;
    expect(v1).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(v2).not.toBe(v1);
    expect((await body(Bucket, Key)).equals(second)).toBe(true);
    expect((await body(Bucket, Key, v1)).equals(first)).toBe(true);

    // Deleted by mistake: a delete marker hides the object.
    const del = await s3.send(new DeleteObjectCommand({ Bucket, Key }));
    expect(del.DeleteMarker).toBe(true);
    const marker = del.VersionId!;
    expect(lastVersionHeaders()).toEqual({ cos: marker, amz: marker, cosMarker: 'true', amzMarker: 'true' });
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key })))).toMatchObject({
      status: 404,
      code: 'NoSuchKey',
    });
    expect(await versionsOf(Bucket)).toEqual([`${Key} M ${marker} latest`, `${Key} V ${v2} old`, `${Key} V ${v1} old`]);

    // Restore the first version by copying it over the key: a new version, same bytes, no new file.
    const filesBefore = await blobFileCount(t.dataDir);
    const restored = await s3.send(
      new CopyObjectCommand({ Bucket, Key, CopySource: `${Bucket}/${Key}?versionId=${encodeURIComponent(v1)}` }),
    );
    const v3 = restored.VersionId!;
    expect(restored.CopySourceVersionId).toBe(v1);
    expect(lastVersionHeaders()).toMatchObject({ cos: v3, amz: v3 });
    expect([v1, v2, marker]).not.toContain(v3);
    expect(await blobFileCount(t.dataDir)).toBe(filesBefore);
    expect((await body(Bucket, Key)).equals(first)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    expect(head).toMatchObject({ VersionId: v3, ContentLength: first.length });
    expect(await versionsOf(Bucket)).toEqual([
      `${Key} V ${v3} latest`,
      `${Key} M ${marker} old`,
      `${Key} V ${v2} old`,
      `${Key} V ${v1} old`,
    ]);
  });

  it('GET and HEAD of a given version report it; an unknown version id is NoSuchVersion', async () => {
    const Bucket = await versionedBucket('vget');
    const v1 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'one' }))).VersionId!;
    const v2 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'two!' }))).VersionId!;
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'k', VersionId: v1 }));
    expect(await got.Body!.transformToString()).toBe('one');
    expect(got.VersionId).toBe(v1);
    expect(lastVersionHeaders()).toEqual({ cos: v1, amz: v1 });
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'k', VersionId: v1 }));
    expect(head).toMatchObject({ VersionId: v1, ContentLength: 3 });
    expect(lastVersionHeaders()).toEqual({ cos: v1, amz: v1 });
    const latest = await s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }));
    expect(latest).toMatchObject({ VersionId: v2, ContentLength: 4 });
    expect(lastVersionHeaders()).toEqual({ cos: v2, amz: v2 });
    const unknown = await sdkError(
      s3.send(new GetObjectCommand({ Bucket, Key: 'k', VersionId: 'AAAAAAAAAAAAAAAAAAA' })),
    );
    expect(unknown).toMatchObject({ status: 404, code: 'NoSuchVersion' });
  });
});

describe('delete markers', () => {
  it('GET is 404 NoSuchKey with x-amz-delete-marker; by the marker id it is 405; deleting the marker restores the object', async () => {
    const Bucket = await versionedBucket('vmarker');
    const Key = 'doc.txt';
    const v1 = (await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'content' }))).VersionId!;
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket, Key }))).VersionId!;

    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key })))).toMatchObject({
      status: 404,
      code: 'NoSuchKey',
    });
    expect(wire.at(-1)!.responseHeaders).toMatchObject({
      'x-amz-delete-marker': 'true',
      'x-amz-version-id': marker,
      'x-cos-delete-marker': 'true',
      'x-cos-version-id': marker,
    });
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket, Key })))).toMatchObject({ status: 404 });
    expect(wire.at(-1)!.responseHeaders).toMatchObject({ 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker });

    const byId = await sdkError(s3.send(new GetObjectCommand({ Bucket, Key, VersionId: marker })));
    expect(byId).toMatchObject({ status: 405, code: 'MethodNotAllowed' });
    expect(wire.at(-1)!.responseHeaders).toMatchObject({ 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker });
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket, Key, VersionId: marker })))).toMatchObject({
      status: 405,
    });

    // A marker is no copy source: by id it is 400, as the latest version it is "no such key".
    const copyMarker = await sdkError(
      s3.send(new CopyObjectCommand({ Bucket, Key: 'copy.txt', CopySource: `${Bucket}/${Key}?versionId=${marker}` })),
    );
    expect(copyMarker).toMatchObject({ status: 400, code: 'InvalidRequest' });
    const copyLatest = await sdkError(
      s3.send(new CopyObjectCommand({ Bucket, Key: 'copy.txt', CopySource: `${Bucket}/${Key}` })),
    );
    expect(copyLatest).toMatchObject({ status: 404, code: 'NoSuchKey' });

    // A second plain DELETE stacks another marker.
    const marker2 = (await s3.send(new DeleteObjectCommand({ Bucket, Key }))).VersionId!;
    expect(await versionsOf(Bucket)).toEqual([
      `${Key} M ${marker2} latest`,
      `${Key} M ${marker} old`,
      `${Key} V ${v1} old`,
    ]);

    for (const id of [marker2, marker]) {
      const undo = await s3.send(new DeleteObjectCommand({ Bucket, Key, VersionId: id }));
      expect(undo).toMatchObject({ DeleteMarker: true, VersionId: id });
      expect(lastVersionHeaders()).toEqual({ cos: id, amz: id, cosMarker: 'true', amzMarker: 'true' });
    }
    expect(await body(Bucket, Key)).toEqual(Buffer.from('content'));
    expect(await versionsOf(Bucket)).toEqual([`${Key} V ${v1} latest`]);

    // Deleting a real version by id removes it for good (no marker): the key is gone.
    const gone = await s3.send(new DeleteObjectCommand({ Bucket, Key, VersionId: v1 }));
    expect(gone.VersionId).toBe(v1);
    expect(gone.DeleteMarker).toBeUndefined();
    expect(lastVersionHeaders()).toEqual({ cos: v1, amz: v1 });
    expect(await versionsOf(Bucket)).toEqual([]);
  });
});

describe('suspended versioning', () => {
  it('each write replaces the null version; versions written while Enabled are kept', async () => {
    const Bucket = await versionedBucket('vsusp');
    const Key = 'k.bin';
    const kept = randomBytes(1000);
    const v1 = (await s3.send(new PutObjectCommand({ Bucket, Key, Body: kept }))).VersionId!;
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } }));

    await s3.send(new PutObjectCommand({ Bucket, Key, Body: randomBytes(2000) }));
    await t.server.engine.collectGarbage();
    const filesAfterFirstNull = await blobFileCount(t.dataDir);
    const n2 = randomBytes(3000);
    const put = await s3.send(new PutObjectCommand({ Bucket, Key, Body: n2 }));
    // A write while suspended makes the 'null' version and, as S3, names no version in its answer.
    expect(put.VersionId).toBeUndefined();
    expect(await versionsOf(Bucket)).toEqual([`${Key} V null latest`, `${Key} V ${v1} old`]);
    // The replaced null version's file is freed (GC), not kept as a version.
    await t.server.engine.collectGarbage();
    expect(await blobFileCount(t.dataDir)).toBe(filesAfterFirstNull);
    expect((await body(Bucket, Key)).equals(n2)).toBe(true);
    expect((await body(Bucket, Key, 'null')).equals(n2)).toBe(true);
    expect((await body(Bucket, Key, v1)).equals(kept)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    expect(head.VersionId).toBe('null');

    // A plain DELETE while suspended puts a null delete marker in place of the null version.
    const del = await s3.send(new DeleteObjectCommand({ Bucket, Key }));
    expect(del).toMatchObject({ DeleteMarker: true, VersionId: 'null' });
    expect(await versionsOf(Bucket)).toEqual([`${Key} M null latest`, `${Key} V ${v1} old`]);

    // Copying the kept version back while suspended makes it the null version.
    const copy = await s3.send(new CopyObjectCommand({ Bucket, Key, CopySource: `${Bucket}/${Key}?versionId=${v1}` }));
    expect(copy.VersionId).toBeUndefined();
    expect((await body(Bucket, Key)).equals(kept)).toBe(true);
    expect(await versionsOf(Bucket)).toEqual([`${Key} V null latest`, `${Key} V ${v1} old`]);

    // Re-enabling gives new writes real ids again and keeps the null version as history.
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const v3 = (await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x' }))).VersionId!;
    expect(v3).not.toBe('null');
    expect(await versionsOf(Bucket)).toEqual([`${Key} V ${v3} latest`, `${Key} V null old`, `${Key} V ${v1} old`]);
  });
});

describe('DeleteObjects with versions', () => {
  it('reports VersionId, DeleteMarker and DeleteMarkerVersionId exactly as S3 and COS document them', async () => {
    const Bucket = await versionedBucket('vmulti');
    const a1 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'a', Body: 'a1' }))).VersionId!;
    const a2 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'a', Body: 'a2' }))).VersionId!;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'b', Body: 'b' }));
    const c1 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'c', Body: 'c' }))).VersionId!;
    const cMarker = (await s3.send(new DeleteObjectCommand({ Bucket, Key: 'c' }))).VersionId!;

    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket,
        Delete: {
          Objects: [
            { Key: 'a', VersionId: a1 }, // a real version: removed for good
            { Key: 'b' }, // no version: a new delete marker
            { Key: 'c', VersionId: cMarker }, // a delete marker by id: removed, c comes back
          ],
        },
      }),
    );
    expect(out.Errors).toBeUndefined();
    const byKey = Object.fromEntries((out.Deleted ?? []).map((d) => [d.Key, d]));
    expect(byKey['a']).toEqual({ Key: 'a', VersionId: a1 });
    const bMarker = byKey['b']!.DeleteMarkerVersionId!;
    expect(byKey['b']).toEqual({ Key: 'b', DeleteMarker: true, DeleteMarkerVersionId: bMarker });
    expect(byKey['c']).toEqual({ Key: 'c', VersionId: cMarker, DeleteMarker: true, DeleteMarkerVersionId: cMarker });

    const bVersion = (await versionsOf(Bucket, 'b'))[1]!.split(' ')[2];
    expect(await versionsOf(Bucket)).toEqual([
      `a V ${a2} latest`,
      `b M ${bMarker} latest`,
      `b V ${bVersion} old`,
      `c V ${c1} latest`,
    ]);
    expect(await body(Bucket, 'c')).toEqual(Buffer.from('c'));

    // Quiet mode reports nothing but errors; the raw XML carries the same fields.
    const quiet = await s3.send(
      new DeleteObjectsCommand({ Bucket, Delete: { Quiet: true, Objects: [{ Key: 'a', VersionId: a2 }] } }),
    );
    expect(quiet.Deleted).toBeUndefined();
    expect(await versionsOf(Bucket, 'a')).toEqual([]);
  });
});

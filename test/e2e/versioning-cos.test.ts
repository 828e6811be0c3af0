/**
 * Versioning through cos-nodejs-sdk-v5 (https://intl.cloud.tencent.com/document/product/436/19883):
 * putBucketVersioning /
 * getBucketVersioning, VersionId on putObject, headObject, getObject, deleteObject and putObjectCopy
 * (read from x-cos-version-id), DeleteMarker (x-cos-delete-marker), deleteMultipleObject with
 * VersionId, listObjectVersions. The recovery COS describes ("extract, delete, or restore a specified
 * version") in each addressing mode.
 */
import { randomBytes } from 'node:crypto';
import type COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COS_MODES, type CosMode, copySource, cosError, expectCosError, REGION } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

interface CosVersionEntry {
  Key: string;
  VersionId: string;
  IsLatest: string;
  LastModified: string;
  ETag?: string;
  Size?: string;
  StorageClass?: string;
}

async function newBucket(mode: CosMode, prefix: string, status?: 'Enabled' | 'Suspended'): Promise<string> {
  const Bucket = t.bucketName(prefix);
  const cos = t.cos(mode);
  await cos.putBucket({ Bucket, Region: REGION });
  if (status) await cos.putBucketVersioning({ Bucket, Region: REGION, VersioningConfiguration: { Status: status } });
  return Bucket;
}

/** listObjectVersions as `key kind versionId latest`, versions and markers merged newest first. */
async function versionsOf(mode: CosMode, Bucket: string): Promise<string[]> {
  const data = await t.cos(mode).listObjectVersions({ Bucket, Region: REGION });
  const rows = [
    ...(data.Versions as CosVersionEntry[]).map((v) => ({ ...v, kind: 'V' })),
    ...(data.DeleteMarkers as CosVersionEntry[]).map((m) => ({ ...m, kind: 'M' })),
  ];
  rows.sort((a, b) =>
    a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : Date.parse(b.LastModified) - Date.parse(a.LastModified),
  );
  return rows.map((r) => `${r.Key} ${r.kind} ${r.VersionId} ${r.IsLatest === 'true' ? 'latest' : 'old'}`);
}

/** What the SDK reads into every result from x-cos-version-id / x-cos-delete-marker (its typings omit them). */
type Versioned = { VersionId?: string; DeleteMarker?: string };

/** deleteObject with VersionId (sent as ?versionId=): the SDK supports it, its typings do not. */
function deleteObject(cos: COS, p: { Bucket: string; Key: string; VersionId?: string }) {
  return cos.deleteObject({ Region: REGION, ...p } as COS.DeleteObjectParams) as Promise<
    COS.DeleteObjectResult & Versioned
  >;
}

/** headObject with VersionId, as deleteObject. */
function headObject(cos: COS, p: { Bucket: string; Key: string; VersionId?: string }) {
  return cos.headObject({ Region: REGION, ...p } as COS.HeadObjectParams) as Promise<COS.HeadObjectResult & Versioned>;
}

describe.each(COS_MODES)('cos-nodejs-sdk-v5 versioning, %s style', (mode) => {
  it('overwrite, delete by mistake, then restore the old version with putObjectCopy ?versionId= (COS versioning)', async () => {
    const cos = t.cos(mode);
    const Bucket = await newBucket(mode, `cv${mode}`, 'Enabled');
    const Key = '财务/report 1.bin';
    const first = randomBytes(30_000);
    const second = randomBytes(10_000);
    const put1 = await cos.putObject({ Bucket, Region: REGION, Key, Body: first });
    const v1 = put1.VersionId!;
    expect(v1).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(put1.headers?.['x-cos-version-id']).toBe(v1);
    const v2 = (await cos.putObject({ Bucket, Region: REGION, Key, Body: second })).VersionId!;
    expect(v2).not.toBe(v1);

    const del = await deleteObject(cos, { Bucket, Key });
    expect(del.statusCode).toBe(204);
    expect(del.DeleteMarker).toBe('true');
    const marker = del.VersionId!;
    expect(marker).not.toBe(v2);

    const missing = await cosError(cos.getObject({ Bucket, Region: REGION, Key }));
    expectCosError(missing, { statusCode: 404, code: 'NoSuchKey' });
    expect(missing.headers).toMatchObject({ 'x-cos-delete-marker': 'true', 'x-cos-version-id': marker });
    expect(await versionsOf(mode, Bucket)).toEqual([
      `${Key} M ${marker} latest`,
      `${Key} V ${v2} old`,
      `${Key} V ${v1} old`,
    ]);

    // Extract the old version, then restore it over the key.
    const old = await cos.getObject({ Bucket, Region: REGION, Key, VersionId: v1 });
    expect(old.Body.equals(first)).toBe(true);
    expect(old.VersionId).toBe(v1);
    const head = await headObject(cos, { Bucket, Key, VersionId: v2 });
    expect(head.VersionId).toBe(v2);
    expect(head.headers?.['content-length']).toBe(String(second.length));
    const copy = await cos.putObjectCopy({ Bucket, Region: REGION, Key, CopySource: copySource(Bucket, Key, v1) });
    const v3 = copy.VersionId!;
    expect([v1, v2, marker]).not.toContain(v3);
    expect(copy.headers?.['x-cos-copy-source-version-id']).toBe(v1);
    const now = await cos.getObject({ Bucket, Region: REGION, Key });
    expect(now.Body.equals(first)).toBe(true);
    expect(now.VersionId).toBe(v3);
    expect(await versionsOf(mode, Bucket)).toEqual([
      `${Key} V ${v3} latest`,
      `${Key} M ${marker} old`,
      `${Key} V ${v2} old`,
      `${Key} V ${v1} old`,
    ]);
  });
});

describe('cos-nodejs-sdk-v5 versioning configuration', () => {
  it('getBucketVersioning is {} until enabled; Enabled and Suspended round-trip; a bad Status is MalformedXML', async () => {
    const cos = t.cos('path');
    const Bucket = await newBucket('path', 'cvconf');
    expect((await cos.getBucketVersioning({ Bucket, Region: REGION })).VersioningConfiguration).toEqual({});
    const bad = await cosError(
      cos.putBucketVersioning({ Bucket, Region: REGION, VersioningConfiguration: { Status: 'On' as 'Enabled' } }),
    );
    expectCosError(bad, { statusCode: 400, code: 'MalformedXML' });
    expect((await cos.getBucketVersioning({ Bucket, Region: REGION })).VersioningConfiguration).toEqual({});
    for (const Status of ['Enabled', 'Suspended'] as const) {
      await cos.putBucketVersioning({ Bucket, Region: REGION, VersioningConfiguration: { Status } });
      expect((await cos.getBucketVersioning({ Bucket, Region: REGION })).VersioningConfiguration).toEqual({ Status });
    }
  });

  it('an unversioned bucket gives no VersionId on put, copy, head, get or delete', async () => {
    const cos = t.cos('path');
    const Bucket = await newBucket('path', 'cvnone');
    const put = await cos.putObject({ Bucket, Region: REGION, Key: 'a', Body: 'a' });
    expect(put.VersionId).toBeUndefined();
    const copy = await cos.putObjectCopy({ Bucket, Region: REGION, Key: 'b', CopySource: copySource(Bucket, 'a') });
    expect(copy.VersionId).toBeUndefined();
    expect((await cos.headObject({ Bucket, Region: REGION, Key: 'a' })).VersionId).toBeUndefined();
    expect((await cos.getObject({ Bucket, Region: REGION, Key: 'a' })).VersionId).toBeUndefined();
    const del = await deleteObject(cos, { Bucket, Key: 'a' });
    expect(del.VersionId).toBeUndefined();
    expect(del.DeleteMarker).toBeUndefined();
    const multi = await cos.deleteMultipleObject({ Bucket, Region: REGION, Objects: [{ Key: 'b' }] });
    expect(multi.Deleted).toEqual([{ Key: 'b' }]);
  });
});

describe('cos-nodejs-sdk-v5 delete markers and deleteMultipleObject', () => {
  it('a marker by version id is 405 on GET; deleting it by id (DeleteMarker: true) restores the object', async () => {
    const cos = t.cos('path');
    const Bucket = await newBucket('path', 'cvmark', 'Enabled');
    const v1 = (await cos.putObject({ Bucket, Region: REGION, Key: 'k', Body: 'keep' })).VersionId!;
    const marker = (await deleteObject(cos, { Bucket, Key: 'k' })).VersionId!;
    const byId = await cosError(cos.getObject({ Bucket, Region: REGION, Key: 'k', VersionId: marker }));
    expectCosError(byId, { statusCode: 405, code: 'MethodNotAllowed' });
    expect(byId.headers).toMatchObject({ 'x-cos-delete-marker': 'true' });
    const headErr = await cosError(cos.headObject({ Bucket, Region: REGION, Key: 'k' }));
    expect(headErr.statusCode).toBe(404);
    expect(headErr.headers).toMatchObject({ 'x-cos-delete-marker': 'true', 'x-cos-version-id': marker });
    const copyErr = await cosError(
      cos.putObjectCopy({ Bucket, Region: REGION, Key: 'c', CopySource: copySource(Bucket, 'k', marker) }),
    );
    expectCosError(copyErr, { statusCode: 400, code: 'InvalidRequest' });

    const undo = await deleteObject(cos, { Bucket, Key: 'k', VersionId: marker });
    expect(undo).toMatchObject({ statusCode: 204, VersionId: marker, DeleteMarker: 'true' });
    expect((await cos.getObject({ Bucket, Region: REGION, Key: 'k' })).Body.toString()).toBe('keep');
    const gone = await deleteObject(cos, { Bucket, Key: 'k', VersionId: v1 });
    expect(gone.VersionId).toBe(v1);
    expect(gone.DeleteMarker).toBeUndefined();
    expect(await versionsOf('path', Bucket)).toEqual([]);
  });

  it('deleteMultipleObject with VersionId: Deleted carries VersionId, DeleteMarker and DeleteMarkerVersionId (COS JS SDK)', async () => {
    const cos = t.cos('path');
    const Bucket = await newBucket('path', 'cvmulti', 'Enabled');
    const a1 = (await cos.putObject({ Bucket, Region: REGION, Key: 'a', Body: '1' })).VersionId!;
    const a2 = (await cos.putObject({ Bucket, Region: REGION, Key: 'a', Body: '2' })).VersionId!;
    const b1 = (await cos.putObject({ Bucket, Region: REGION, Key: 'b', Body: 'b' })).VersionId!;
    const c1 = (await cos.putObject({ Bucket, Region: REGION, Key: 'c', Body: 'c' })).VersionId!;
    const cMarker = (await deleteObject(cos, { Bucket, Key: 'c' })).VersionId!;

    const data = await cos.deleteMultipleObject({
      Bucket,
      Region: REGION,
      Objects: [{ Key: 'a', VersionId: a1 }, { Key: 'b' }, { Key: 'c', VersionId: cMarker }],
    });
    expect(data.Error).toEqual([]);
    const byKey = Object.fromEntries(data.Deleted.map((d) => [d.Key, d]));
    // Values are strings in the COS SDK's parsed XML
    // (https://github.com/tencentyun/cos-nodejs-sdk-v5/blob/master/sdk/util.js, xml2json).
    expect(byKey['a']).toEqual({ Key: 'a', VersionId: a1 });
    const bMarker = byKey['b']!.DeleteMarkerVersionId!;
    expect(byKey['b']).toEqual({ Key: 'b', DeleteMarker: 'true', DeleteMarkerVersionId: bMarker });
    expect(byKey['c']).toEqual({ Key: 'c', VersionId: cMarker, DeleteMarker: 'true', DeleteMarkerVersionId: cMarker });
    expect(await versionsOf('path', Bucket)).toEqual([
      `a V ${a2} latest`,
      `b M ${bMarker} latest`,
      `b V ${b1} old`,
      `c V ${c1} latest`,
    ]);
  });
});

describe('cos-nodejs-sdk-v5 suspended versioning', () => {
  it('writes get the null version, replacing the previous null version; the Enabled-era version stays', async () => {
    const cos = t.cos('path');
    const Bucket = await newBucket('path', 'cvsusp', 'Enabled');
    const v1 = (await cos.putObject({ Bucket, Region: REGION, Key: 'k', Body: 'v1' })).VersionId!;
    await cos.putBucketVersioning({ Bucket, Region: REGION, VersioningConfiguration: { Status: 'Suspended' } });
    for (const body of ['n1', 'n2', 'n3']) await cos.putObject({ Bucket, Region: REGION, Key: 'k', Body: body });
    expect(await versionsOf('path', Bucket)).toEqual(['k V null latest', `k V ${v1} old`]);
    const nullVersion = await cos.getObject({ Bucket, Region: REGION, Key: 'k', VersionId: 'null' });
    expect(nullVersion.Body.toString()).toBe('n3');
    expect(nullVersion.VersionId).toBe('null');
    expect((await cos.getObject({ Bucket, Region: REGION, Key: 'k', VersionId: v1 })).Body.toString()).toBe('v1');

    const del = await deleteObject(cos, { Bucket, Key: 'k' });
    expect(del).toMatchObject({ VersionId: 'null', DeleteMarker: 'true' });
    expect(await versionsOf('path', Bucket)).toEqual(['k M null latest', `k V ${v1} old`]);
  });
});

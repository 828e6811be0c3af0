/**
 * @coffer/sdk bucket methods against a live Coffer: service, create/head/delete, location, versioning and
 * listObjectVersions, lifecycle, ACL, policy, CORS and default encryption.
 */

import type COS from '@coffer/sdk';
import type { S3ServiceError } from '@coffer/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION as Region } from './helpers/cos.js';
import { cofferSdk } from './helpers/sdk.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let cos: COS;

beforeAll(async () => {
  t = await startTestServer();
  cos = cofferSdk(t);
  await cos.putBucket({ Bucket: 'sdkprobe-1250000000', Region });
});
afterAll(async () => {
  await t.close();
});

describe('service and bucket basics', () => {
  it('putBucket, headBucket, getService, getBucketLocation, deleteBucket', async () => {
    const Bucket = 'sdkbasics-1250000000';
    const put = await cos.putBucket({ Bucket, Region });
    expect(put).toMatchObject({ statusCode: 200, Location: `127.0.0.1:${t.port}/${Bucket}/` });
    expect((await cos.headBucket({ Bucket, Region })).statusCode).toBe(200);
    const service = await cos.getService({});
    expect(service.Buckets.map((b) => b.Name)).toContain(Bucket);
    expect(service.Buckets.find((b) => b.Name === Bucket)).toMatchObject({ Location: Region });
    expect(service.Owner.ID).toMatch(/^qcs::cam::uin\//);
    expect((await cos.getBucketLocation({ Bucket, Region })).LocationConstraint).toBe(Region);

    await cos.putObject({ Bucket, Region, Key: 'blocker', Body: 'x' });
    const notEmpty = await cos.deleteBucket({ Bucket, Region }).catch((e: S3ServiceError) => e);
    expect(notEmpty).toMatchObject({ statusCode: 409, code: 'BucketNotEmpty' });
    await cos.deleteObject({ Bucket, Region, Key: 'blocker' });
    expect((await cos.deleteBucket({ Bucket, Region })).statusCode).toBe(204);
    const gone = await cos.headBucket({ Bucket, Region }).catch((e: S3ServiceError) => e);
    expect(gone).toMatchObject({ statusCode: 404, code: '404' });
    const again = await cos.putBucket({ Bucket: 'sdkprobe-1250000000', Region }).catch((e: S3ServiceError) => e);
    expect(again).toMatchObject({ statusCode: 409, code: 'BucketAlreadyOwnedByYou' });
  });
});

describe('versioning', () => {
  it('putBucketVersioning / getBucketVersioning, listObjectVersions, deleteObject by VersionId', async () => {
    const Bucket = 'sdkversions-1250000000';
    await cos.putBucket({ Bucket, Region });
    expect((await cos.getBucketVersioning({ Bucket, Region })).VersioningConfiguration).toEqual({});
    await cos.putBucketVersioning({ Bucket, Region, VersioningConfiguration: { Status: 'Enabled' } });
    expect((await cos.getBucketVersioning({ Bucket, Region })).VersioningConfiguration).toEqual({ Status: 'Enabled' });

    const v1 = await cos.putObject({ Bucket, Region, Key: 'doc.txt', Body: 'one' });
    const v2 = await cos.putObject({ Bucket, Region, Key: 'doc.txt', Body: 'two' });
    expect(v1.VersionId).toBeTruthy();
    expect(v2.VersionId).not.toBe(v1.VersionId);
    const marker = await cos.deleteObject({ Bucket, Region, Key: 'doc.txt' });
    expect(marker.DeleteMarker).toBe('true');
    expect(marker.VersionId).toBeTruthy();

    const listed = await cos.listObjectVersions({ Bucket, Region, Prefix: 'doc' });
    expect(listed.Versions.map((v) => v.VersionId).sort()).toEqual([v1.VersionId, v2.VersionId].sort());
    expect(listed.DeleteMarkers.map((m) => [m.Key, m.VersionId, m.IsLatest])).toEqual([
      ['doc.txt', marker.VersionId, 'true'],
    ]);
    expect(listed).not.toHaveProperty('Version');

    const old = await cos.getObject({ Bucket, Region, Key: 'doc.txt', VersionId: v1.VersionId! });
    expect(String(old.Body)).toBe('one');
    await cos.deleteObject({ Bucket, Region, Key: 'doc.txt', VersionId: marker.VersionId! });
    expect(String((await cos.getObject({ Bucket, Region, Key: 'doc.txt' })).Body)).toBe('two');
  });
});

describe('lifecycle', () => {
  it('putBucketLifecycle / getBucketLifecycle / deleteBucketLifecycle (none → Rules: [])', async () => {
    const Bucket = 'sdklifecycle-1250000000';
    await cos.putBucket({ Bucket, Region });
    const none = await cos.getBucketLifecycle({ Bucket, Region });
    expect(none).toMatchObject({ Rules: [], statusCode: 404 });
    await cos.putBucketLifecycle({
      Bucket,
      Region,
      Rules: [
        {
          ID: 'abort-uploads',
          Status: 'Enabled',
          Filter: {},
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
        { ID: 'expire-logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } },
      ],
    });
    const got = await cos.getBucketLifecycle({ Bucket, Region });
    expect(got.statusCode).toBe(200);
    expect(got.Rules).toHaveLength(2);
    expect(got.Rules[0]).toMatchObject({
      ID: 'abort-uploads',
      Status: 'Enabled',
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: '7' },
    });
    expect(got.Rules[1]).toMatchObject({ ID: 'expire-logs', Filter: { Prefix: 'logs/' }, Expiration: { Days: '30' } });
    expect((await cos.deleteBucketLifecycle({ Bucket, Region })).statusCode).toBe(204);
    expect((await cos.getBucketLifecycle({ Bucket, Region })).Rules).toEqual([]);
  });
});

describe('access control', () => {
  it('putBucketAcl / getBucketAcl: canned public-read, then private with a grant', async () => {
    const Bucket = 'sdkacl-1250000000';
    await cos.putBucket({ Bucket, Region });
    const initial = await cos.getBucketAcl({ Bucket, Region });
    expect(initial).toMatchObject({ ACL: 'private', statusCode: 200 });
    expect(initial.Grants.length).toBeGreaterThan(0);
    await cos.putBucketAcl({ Bucket, Region, ACL: 'public-read' });
    expect((await cos.getBucketAcl({ Bucket, Region })).ACL).toBe('public-read');
    await cos.putBucketAcl({ Bucket, Region, GrantRead: 'id="100000000002",id="100000000002"' });
    const granted = await cos.getBucketAcl({ Bucket, Region });
    expect(granted.GrantRead).toContain('100000000002');
    expect(granted.ACL).toBe('private');
  });

  it('putBucketPolicy / getBucketPolicy / deleteBucketPolicy; a missing policy is annotated', async () => {
    const Bucket = 'sdkpolicy-1250000000';
    await cos.putBucket({ Bucket, Region });
    await cos.putObject({ Bucket, Region, Key: 'shared.txt', Body: 'shared' });
    const anonymous = cofferSdk(t, 'pathstyle', { SecretId: '', SecretKey: '' });
    expect(
      await anonymous.getObject({ Bucket, Region, Key: 'shared.txt' }).catch((e: S3ServiceError) => e.statusCode),
    ).toBe(403);
    const Policy = {
      version: '2.0',
      Statement: [
        {
          Principal: { qcs: ['qcs::cam::anyone:anyone'] },
          Effect: 'allow',
          Action: ['name/cos:GetObject'],
          Resource: [`qcs::cos:${Region}:uid/${t.appId}:${Bucket}/*`],
        },
      ],
    };
    expect((await cos.putBucketPolicy({ Bucket, Region, Policy })).statusCode).toBeLessThan(300);
    const got = await cos.getBucketPolicy({ Bucket, Region });
    expect(got.Policy).toMatchObject({ Statement: [expect.objectContaining({ Action: ['name/cos:GetObject'] })] });
    expect(String((await anonymous.getObject({ Bucket, Region, Key: 'shared.txt' })).Body)).toBe('shared');

    expect((await cos.deleteBucketPolicy({ Bucket, Region })).statusCode).toBeLessThan(300);
    const missing = await cos.getBucketPolicy({ Bucket, Region }).catch((e: S3ServiceError) => e);
    expect(missing).toMatchObject({ statusCode: 404, ErrorStatus: 'Policy Not Found' });
  });
});

describe('CORS (the wire form is also covered by sdk-fake-routes.test.ts)', () => {
  it('putBucketCors / getBucketCors / optionsObject / deleteBucketCors', async () => {
    const Bucket = 'sdkprobe-1250000000';
    await cos.putBucketCors({
      Bucket,
      Region,
      CORSRules: [
        {
          AllowedOrigins: ['https://www.qq.com'],
          AllowedMethods: ['GET', 'PUT'],
          AllowedHeaders: ['*'],
          ExposeHeaders: ['ETag'],
          MaxAgeSeconds: '600',
        },
      ],
    });
    const got = await cos.getBucketCors({ Bucket, Region });
    expect(got.CORSRules[0]).toMatchObject({ AllowedOrigins: ['https://www.qq.com'], AllowedMethods: ['GET', 'PUT'] });
    const preflight = await cos.optionsObject({
      Bucket,
      Region,
      Key: 'picture.jpg',
      Origin: 'https://www.qq.com',
      AccessControlRequestMethod: 'PUT',
      AccessControlRequestHeaders: 'origin,accept,content-type',
    });
    expect(preflight.AccessControlAllowOrigin).toBeTruthy();
    const forbidden = await cos.optionsObject({
      Bucket,
      Region,
      Key: 'picture.jpg',
      Origin: 'https://elsewhere.example',
      AccessControlRequestMethod: 'PUT',
    });
    expect(forbidden).toEqual({ OptionsForbidden: true, statusCode: 403 });
    await cos.deleteBucketCors({ Bucket, Region });
    expect((await cos.getBucketCors({ Bucket, Region })).CORSRules).toEqual([]);
  });
});

describe('default encryption', () => {
  it('putBucketEncryption / getBucketEncryption / deleteBucketEncryption; putObject under it answers AES256', async () => {
    const Bucket = 'sdkencryption-1250000000';
    await cos.putBucket({ Bucket, Region });
    expect((await cos.getBucketEncryption({ Bucket, Region })).EncryptionConfiguration).toEqual({ Rules: [] });
    await cos.putBucketEncryption({
      Bucket,
      Region,
      ServerSideEncryptionConfiguration: { Rule: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    const got = await cos.getBucketEncryption({ Bucket, Region });
    expect(got.EncryptionConfiguration.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    const put = await cos.putObject({ Bucket, Region, Key: 'k', Body: 'secret' });
    expect(put.headers['x-cos-server-side-encryption']).toBe('AES256');
    const kms = await cos
      .putBucketEncryption({
        Bucket,
        Region,
        ServerSideEncryptionConfiguration: { Rule: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'KMS' } }] },
      })
      .catch((err: S3ServiceError) => err);
    // COS's KMS (cos/kms) is served by the local key registry: the configuration reads back as sent.
    expect(kms).toMatchObject({ statusCode: 200 });
    expect((await cos.getBucketEncryption({ Bucket, Region })).EncryptionConfiguration.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'KMS' } },
    ]);
    await cos.deleteBucketEncryption({ Bucket, Region });
    expect((await cos.getBucketEncryption({ Bucket, Region })).EncryptionConfiguration).toEqual({ Rules: [] });
    const plain = await cos.putObject({ Bucket, Region, Key: 'k2', Body: 'plain', ServerSideEncryption: 'AES256' });
    expect(plain.headers['x-cos-server-side-encryption']).toBe('AES256');
    expect((await cos.getObject({ Bucket, Region, Key: 'k2' })).Body.toString()).toBe('plain');
  });
});

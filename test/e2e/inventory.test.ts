/**
 * Inventory (docs/operations.md, "Inventory"): PUT/GET/DELETE ?inventory and List inventory
 * configurations in the S3 and COS forms, reports written on demand (POST /-/admin/inventory/run)
 * and on schedule. The COS FAQ's "how do I view the number of files of a certain type (e.g. image)?"
 * (https://www.tencentcloud.com/document/product/436/30748, answered "enable inventory") is answered
 * from a report with the one-liner the docs show, run by a shell, after the manifest checksums are checked.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketInventoryConfigurationCommand,
  GetBucketInventoryConfigurationCommand,
  GetObjectCommand,
  type InventoryConfiguration,
  ListBucketInventoryConfigurationsCommand,
  ListObjectsV2Command,
  PutBucketInventoryConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import CofferCos from '@coffer/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION } from './helpers/cos.js';
import { rawRequest } from './helpers/s3.js';
import { readAll, startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let s3: S3Client;
let Bucket: string;
let dest: string;

beforeAll(async () => {
  t = await startTestServer({ config: { inventoryCheckMs: '0' } });
  s3 = t.s3();
  Bucket = t.bucketName('media');
  dest = t.bucketName('reports');
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new CreateBucketCommand({ Bucket: dest }));
});
afterAll(async () => {
  await t.close();
});

function s3Config(Id: string, overrides: Partial<InventoryConfiguration> = {}): InventoryConfiguration {
  return {
    Id,
    IsEnabled: true,
    Destination: { S3BucketDestination: { Bucket: `arn:aws:s3:::${dest}`, Format: 'CSV', Prefix: 'inventory' } },
    IncludedObjectVersions: 'Current',
    OptionalFields: ['Size', 'LastModifiedDate', 'ETag', 'StorageClass'],
    Schedule: { Frequency: 'Daily' },
    ...overrides,
  };
}

async function getBytes(Key: string, from = dest): Promise<Buffer> {
  return readAll((await s3.send(new GetObjectCommand({ Bucket: from, Key }))).Body as AsyncIterable<Uint8Array>);
}

async function sdkError(call: Promise<unknown>): Promise<{ name: string; status: number }> {
  const err = (await call.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name: string; $metadata: { httpStatusCode: number } } | undefined;
  if (!err) throw new Error('expected an error');
  return { name: err.name, status: err.$metadata.httpStatusCode };
}

describe('inventory configurations through @aws-sdk/client-s3', () => {
  it('puts, gets, lists and deletes configurations', async () => {
    await s3.send(
      new PutBucketInventoryConfigurationCommand({ Bucket, Id: 'daily', InventoryConfiguration: s3Config('daily') }),
    );
    await s3.send(
      new PutBucketInventoryConfigurationCommand({
        Bucket,
        Id: 'weekly-all',
        InventoryConfiguration: s3Config('weekly-all', {
          IncludedObjectVersions: 'All',
          Schedule: { Frequency: 'Weekly' },
          Filter: { Prefix: 'images/' },
          OptionalFields: ['ObjectLockMode', 'Size', 'IsMultipartUploaded'],
        }),
      }),
    );
    const got = await s3.send(new GetBucketInventoryConfigurationCommand({ Bucket, Id: 'weekly-all' }));
    expect(got.InventoryConfiguration).toEqual({
      ...s3Config('weekly-all'),
      IncludedObjectVersions: 'All',
      Schedule: { Frequency: 'Weekly' },
      Filter: { Prefix: 'images/' },
      // In S3's column order.
      OptionalFields: ['Size', 'IsMultipartUploaded', 'ObjectLockMode'],
    });
    const list = await s3.send(new ListBucketInventoryConfigurationsCommand({ Bucket }));
    expect(list.IsTruncated).toBe(false);
    expect(list.InventoryConfigurationList?.map((c) => c.Id)).toEqual(['daily', 'weekly-all']);

    await s3.send(new DeleteBucketInventoryConfigurationCommand({ Bucket, Id: 'weekly-all' }));
    expect(await sdkError(s3.send(new GetBucketInventoryConfigurationCommand({ Bucket, Id: 'weekly-all' })))).toEqual({
      name: 'NoSuchConfiguration',
      status: 404,
    });
    expect(
      await sdkError(s3.send(new DeleteBucketInventoryConfigurationCommand({ Bucket, Id: 'weekly-all' }))),
    ).toEqual({ name: 'NoSuchConfiguration', status: 404 });
  });

  it('refuses what it cannot honour with the S3 error', async () => {
    const put = (c: InventoryConfiguration, Id = c.Id!) =>
      sdkError(s3.send(new PutBucketInventoryConfigurationCommand({ Bucket, Id, InventoryConfiguration: c })));
    expect(
      await put(
        s3Config('orc', { Destination: { S3BucketDestination: { Bucket: `arn:aws:s3:::${dest}`, Format: 'ORC' } } }),
      ),
    ).toEqual({ name: 'NotImplemented', status: 501 });
    expect(
      await put(
        s3Config('gone', {
          Destination: { S3BucketDestination: { Bucket: 'arn:aws:s3:::no-such-1250000000', Format: 'CSV' } },
        }),
      ),
    ).toEqual({ name: 'InvalidArgument', status: 400 });
    expect(await put(s3Config('mismatch'), 'other')).toEqual({ name: 'InvalidArgument', status: 400 });
    expect(await put(s3Config('bad-field', { OptionalFields: ['Colour' as 'Size'] }))).toEqual({
      name: 'MalformedXML',
      status: 400,
    });
    const raw = await rawRequest(t, {
      method: 'PUT',
      path: `/${Bucket}`,
      query: 'inventory',
      body: '<InventoryConfiguration/>',
    });
    expect(raw.status).toBe(400);
  });
});

describe('a report answers "how many images are in the bucket?"', () => {
  it('writes gzip CSV files, manifest.json and manifest.checksum; the one-liner counts the images', async () => {
    const keys = [
      'images/2024/cat.jpg',
      'images/2024/dog.JPEG',
      'images/logo.png',
      'images/anim.gif',
      'banner.webp',
      'docs/readme.txt',
      'docs/report.pdf',
      'notes/a b.txt',
      'notes/jpg-not-an-image.txt',
      'data/archive.tar.gz',
    ];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket, Key, Body: `body of ${Key}` }));

    const res = await rawRequest(t, {
      method: 'POST',
      path: '/-/admin/inventory/run',
      query: `bucket=${Bucket}&id=daily`,
    });
    expect(res.status, res.text).toBe(200);
    const report = JSON.parse(res.text) as { manifestKey: string; rows: number };
    expect(report.rows).toBe(keys.length);
    expect(report.manifestKey).toMatch(
      new RegExp(`^inventory/${Bucket}/daily/\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}Z/manifest\\.json$`),
    );

    // What an operator downloads: the manifest, its checksum, the files it lists.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-inventory-'));
    const manifestBody = await getBytes(report.manifestKey);
    const checksum = (await getBytes(report.manifestKey.replace(/json$/, 'checksum'))).toString();
    expect(checksum).toBe(createHash('md5').update(manifestBody).digest('hex'));
    const manifest = JSON.parse(manifestBody.toString()) as {
      fileSchema: string;
      files: { key: string; size: number; MD5checksum: string }[];
    };
    expect(manifest.fileSchema).toBe('Bucket, Key, Size, LastModifiedDate, ETag, StorageClass');
    await fs.mkdir(path.join(dir, 'data'));
    for (const file of manifest.files) {
      const body = await getBytes(file.key);
      expect(body.length).toBe(file.size);
      expect(createHash('md5').update(body).digest('hex')).toBe(file.MD5checksum);
      await fs.writeFile(path.join(dir, 'data', path.basename(file.key)), body);
    }
    // The documented one-liner (docs/operations.md): the key is column 2, URL-encoded and quoted.
    const images = execFileSync(
      'sh',
      ['-c', `zcat ${dir}/data/*.csv.gz | awk -F, 'tolower($2) ~ /\\.(jpe?g|png|gif|webp|bmp|heic)"$/' | wc -l`],
      { encoding: 'utf8' },
    );
    expect(Number(images.trim())).toBe(5);
    const all = execFileSync('sh', ['-c', `zcat ${dir}/data/*.csv.gz`], { encoding: 'utf8' });
    expect(all).toContain(`"${Bucket}","notes/a%20b.txt","`);
    await fs.rm(dir, { recursive: true });

    // The hive symlink lists the data files, as S3 writes it.
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: dest, Prefix: `inventory/${Bucket}/daily/hive/` }));
    expect(listed.Contents?.[0]?.Key).toMatch(/hive\/dt=\d{4}-\d{2}-\d{2}-\d{2}-\d{2}\/symlink\.txt$/);
  });

  it('an unknown configuration or parameter is an error, not a 500', async () => {
    const missing = await rawRequest(t, {
      method: 'POST',
      path: '/-/admin/inventory/run',
      query: `bucket=${Bucket}&id=nope`,
    });
    expect(missing.status).toBe(404);
    const started = await rawRequest(t, {
      method: 'POST',
      path: '/-/admin/inventory/run',
      query: `bucket=${Bucket}&id=daily&wait=false`,
    });
    expect([started.status, JSON.parse(started.text)]).toEqual([202, { started: true }]);
    const extra = await rawRequest(t, {
      method: 'POST',
      path: '/-/admin/inventory/run',
      query: `bucket=${Bucket}&id=daily&x=1`,
    });
    expect(extra.status).toBe(400);
  });
});

describe('inventory configurations through cos-nodejs-sdk-v5', () => {
  it('puts a COSBucketDestination configuration with SSE-COS and reads it back', async () => {
    const cos = t.cos('path');
    const InventoryConfiguration = {
      Id: 'cos-weekly',
      IsEnabled: 'true',
      Destination: {
        COSBucketDestination: {
          Format: 'CSV',
          AccountId: t.appId,
          Bucket: `qcs::cos:${REGION}::${dest}`,
          Prefix: 'cos-inventory',
          Encryption: { SSECOS: '' },
        },
      },
      Schedule: { Frequency: 'Weekly' },
      Filter: { Prefix: 'images/' },
      IncludedObjectVersions: 'All',
      OptionalFields: ['Size', 'ETag', 'Crc64'],
    };
    await cos.putBucketInventory({ Bucket, Region: REGION, Id: 'cos-weekly', InventoryConfiguration });
    const got = await cos.getBucketInventory({ Bucket, Region: REGION, Id: 'cos-weekly' });
    expect(got.InventoryConfiguration).toMatchObject({
      Id: 'cos-weekly',
      IsEnabled: 'true',
      Destination: { COSBucketDestination: { Bucket: `qcs::cos:${REGION}::${dest}`, Prefix: 'cos-inventory' } },
      OptionalFields: ['Size', 'ETag', 'Crc64'],
    });
    const list = await cos.listBucketInventory({ Bucket, Region: REGION });
    expect(list.InventoryConfigurations.map((c: { Id: string }) => c.Id)).toContain('cos-weekly');

    const res = await rawRequest(t, {
      method: 'POST',
      path: '/-/admin/inventory/run',
      query: `bucket=${Bucket}&id=cos-weekly`,
    });
    expect(res.status, res.text).toBe(200);
    const { manifestKey, rows } = JSON.parse(res.text) as { manifestKey: string; rows: number };
    expect(rows).toBe(4);
    const manifest = JSON.parse((await getBytes(manifestKey)).toString()) as {
      fileSchema: string;
      destinationBucket: string;
    };
    expect(manifest).toMatchObject({
      fileSchema: 'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, ETag, Crc64',
      destinationBucket: `qcs::cos:${REGION}::${dest}`,
    });
    await cos.deleteBucketInventory({ Bucket, Region: REGION, Id: 'cos-weekly' });
  });
});

describe('the same calls through @coffer/sdk (parity with cos-nodejs-sdk-v5)', () => {
  it("putBucketLogging, getBucketLogging and the inventory methods answer in Tencent's shapes", async () => {
    const sdk = new CofferCos({
      SecretId: t.secretId,
      SecretKey: t.secretKey,
      Protocol: 'http:',
      Domain: `127.0.0.1:${t.port}`,
      ForcePathStyle: true,
    });
    const Region = REGION;
    await sdk.putBucketLogging({
      Bucket,
      Region,
      BucketLoggingStatus: { LoggingEnabled: { TargetBucket: dest, TargetPrefix: 'sdk-logs/' } },
    });
    expect((await sdk.getBucketLogging({ Bucket, Region })).BucketLoggingStatus).toEqual({
      LoggingEnabled: { TargetBucket: dest, TargetPrefix: 'sdk-logs/' },
    });
    await sdk.putBucketLogging({ Bucket, Region, BucketLoggingStatus: {} });
    expect((await sdk.getBucketLogging({ Bucket, Region })).BucketLoggingStatus).toEqual({});

    const InventoryConfiguration = {
      Id: 'sdk',
      IsEnabled: 'true',
      Destination: {
        COSBucketDestination: {
          Format: 'CSV',
          Bucket: `qcs::cos:${REGION}::${dest}`,
          Prefix: 'sdk-inventory',
          Encryption: { SSECOS: '' },
        },
      },
      Schedule: { Frequency: 'Daily' },
      IncludedObjectVersions: 'Current',
      OptionalFields: ['Size', 'StorageClass'],
    };
    await sdk.putBucketInventory({ Bucket, Region, Id: 'sdk', InventoryConfiguration });
    const got = await sdk.getBucketInventory({ Bucket, Region, Id: 'sdk' });
    expect(got.InventoryConfiguration).toEqual(InventoryConfiguration);
    const list = await sdk.listBucketInventory({ Bucket, Region });
    expect(list.IsTruncated).toBe('false');
    expect(list.InventoryConfigurations.map((c) => c.Id)).toContain('sdk');
    await sdk.deleteBucketInventory({ Bucket, Region, Id: 'sdk' });
    await expect(sdk.getBucketInventory({ Bucket, Region, Id: 'sdk' })).rejects.toMatchObject({
      code: 'NoSuchConfiguration',
      statusCode: 404,
    });
  });
});

describe('the schedule', () => {
  it('writes a due report without being asked', async () => {
    const s = await startTestServer({ config: { inventoryCheckMs: '200' } });
    try {
      const client = s.s3();
      const src = s.bucketName('sched');
      const to = s.bucketName('schedout');
      await client.send(new CreateBucketCommand({ Bucket: src }));
      await client.send(new CreateBucketCommand({ Bucket: to }));
      await client.send(new PutObjectCommand({ Bucket: src, Key: 'a.jpg', Body: 'x' }));
      await client.send(
        new PutBucketInventoryConfigurationCommand({
          Bucket: src,
          Id: 'd',
          InventoryConfiguration: {
            Id: 'd',
            IsEnabled: true,
            Destination: { S3BucketDestination: { Bucket: `arn:aws:s3:::${to}`, Format: 'CSV' } },
            IncludedObjectVersions: 'Current',
            Schedule: { Frequency: 'Daily' },
          },
        }),
      );
      let found = 0;
      for (let i = 0; i < 50 && found === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const listed = await client.send(new ListObjectsV2Command({ Bucket: to, Prefix: `${src}/d/` }));
        found = (listed.Contents ?? []).filter((o) => o.Key!.endsWith('manifest.checksum')).length;
      }
      expect(found).toBe(1);
    } finally {
      await s.close();
    }
  });
});

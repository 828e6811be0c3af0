/**
 * DeleteBucket of a bucket whose only contents are incomplete multipart uploads, answered as each client
 * family expects: S3 deletes the bucket and the uploads go with it (S3 tools and test suites clean up by
 * deleting every version, then the bucket); COS refuses until the uploads are aborted, as its console
 * guide says ("The bucket can be deleted only after you confirm that all completely and partially uploaded
 * files have been deleted").
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientEnv, expectSuccess, run, tempDir, writeTree } from './helpers/clients.js';
import { settledOnEveryGateway } from './helpers/cluster.js';
import { cosError, expectCosError, REGION } from './helpers/cos.js';
import { blobFiles, collectGarbage, partBody } from './helpers/multipart.js';
import { sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const AWS = '/usr/bin/aws';

let t: TestServer;
let s3: S3Client;
beforeAll(async () => {
  t = await startTestServer();
  s3 = t.s3();
});
afterAll(async () => {
  await t.close();
});

/**
 * A versioned bucket with two versions and a delete marker of one key, another key, and two incomplete
 * uploads with parts; returns the blob files that appeared for it.
 */
async function fillBucket(Bucket: string): Promise<{ uploadIds: string[]; blobs: string[] }> {
  const before = await blobFiles(t.dataDir);
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'one' }));
  await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'two' }));
  await s3.send(new PutObjectCommand({ Bucket, Key: 'other', Body: 'x'.repeat(5000) }));
  await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'k' }] } }));
  const uploadIds: string[] = [];
  for (const Key of ['big/a.bin', 'big/b.bin']) {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    uploadIds.push(UploadId!);
    for (const PartNumber of [1, 2])
      await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: partBody(4000) }));
  }
  const blobs = [...(await blobFiles(t.dataDir)).keys()].filter((id) => !before.has(id));
  return { uploadIds, blobs };
}

/** The S3 cleanup: every version and delete marker deleted, then the bucket (what S3 test suites do). */
async function s3Cleanup(Bucket: string): Promise<void> {
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket }));
  const Objects = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => ({
    Key: v.Key!,
    VersionId: v.VersionId!,
  }));
  expect(Objects).toHaveLength(4);
  const deleted = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects } }));
  expect(deleted.Errors ?? []).toEqual([]);
  await s3.send(new DeleteBucketCommand({ Bucket }));
}

describe('DeleteBucket with incomplete uploads, per client family', () => {
  it('@aws-sdk/client-s3: ListObjectVersions → DeleteObjects → DeleteBucket succeeds; no upload, part or blob is left', async () => {
    const Bucket = t.bucketName('s3clean');
    const { blobs } = await fillBucket(Bucket);
    expect(blobs.length).toBeGreaterThanOrEqual(4);

    await s3Cleanup(Bucket);
    // In a cluster the other gateways hear of it by LISTEN/NOTIFY, right after the response.
    await settledOnEveryGateway(async () =>
      expect(await sdkError(s3.send(new HeadBucketCommand({ Bucket })))).toMatchObject({ status: 404 }),
    );
    await collectGarbage(t);
    const left = await blobFiles(t.dataDir);
    expect(blobs.filter((id) => left.has(id))).toEqual([]);
    // The uploads went with the bucket, not merely out of sight: a new bucket of that name has none.
    await s3.send(new CreateBucketCommand({ Bucket }));
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).toEqual([]);
    await s3.send(new DeleteBucketCommand({ Bucket }));
  });

  it('cos-nodejs-sdk-v5: the same cleanup gets the documented refusal and leaves the uploads in place', async () => {
    const Bucket = t.bucketName('cosclean');
    const { uploadIds, blobs } = await fillBucket(Bucket);
    const cos = t.cos('path');
    const listed = await cos.listObjectVersions({ Bucket, Region: REGION });
    const Objects = [...listed.Versions, ...listed.DeleteMarkers].map((v) => ({ Key: v.Key, VersionId: v.VersionId }));
    expect(Objects).toHaveLength(4);
    const deleted = await cos.deleteMultipleObject({ Bucket, Region: REGION, Objects });
    expect(deleted.Error).toEqual([]);

    const err = await cosError(cos.deleteBucket({ Bucket, Region: REGION }));
    expectCosError(err, { statusCode: 409, code: 'BucketNotEmpty', resource: Bucket });
    expect(err.message).toMatch(/incomplete multipart uploads, which must be aborted \(deleted\) first/);
    const uploads = await cos.multipartList({ Bucket, Region: REGION });
    expect(uploads.Upload.map((u) => u.UploadId).sort()).toEqual([...uploadIds].sort());
    await collectGarbage(t);
    const left = await blobFiles(t.dataDir);
    // The parts' blobs are still there (the object versions' ones are gone).
    expect(blobs.filter((id) => left.has(id))).toHaveLength(4);

    for (const u of uploads.Upload)
      await cos.multipartAbort({ Bucket, Region: REGION, Key: u.Key, UploadId: u.UploadId });
    await cos.deleteBucket({ Bucket, Region: REGION });
  });

  it('awscli: `aws s3 rb --force` removes a bucket holding an incomplete upload', async () => {
    const Bucket = t.bucketName('awsrb');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'plain.txt', Body: 'plain' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'half.bin' }));
    await s3.send(new UploadPartCommand({ Bucket, Key: 'half.bin', UploadId, PartNumber: 1, Body: partBody(1000) }));
    const work = await tempDir('coffer-rb-');
    try {
      const home = path.join(work, 'home');
      await writeTree(home, {
        '.aws/config': '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n',
        '.aws/credentials': `[default]\naws_access_key_id = ${t.secretId}\naws_secret_access_key = ${t.secretKey}\n`,
      });
      const env = clientEnv(home, {
        AWS_CONFIG_FILE: path.join(home, '.aws/config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(home, '.aws/credentials'),
        AWS_PAGER: '',
        AWS_EC2_METADATA_DISABLED: 'true',
      });
      const out = expectSuccess(
        await run(AWS, ['--endpoint-url', t.url, 's3', 'rb', '--force', `s3://${Bucket}`], { env }),
        'aws s3 rb --force',
      );
      expect(out.stdout).toContain(`remove_bucket: ${Bucket}`);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
    // In a cluster the other gateways hear of it by LISTEN/NOTIFY, right after the response.
    await settledOnEveryGateway(async () =>
      expect(await sdkError(s3.send(new HeadBucketCommand({ Bucket })))).toMatchObject({ status: 404 }),
    );
  });
});

/**
 * Live usage survives a crash: a child `coffer server` is killed with SIGKILL while clients PUT,
 * overwrite, delete (versioned) and upload parts, then restarted on the same data directory. The
 * live figures (/-/admin/usage, kept by triggers inside each write's transaction) must equal a full
 * recount of the rows (`recount=true`), for the bucket and for folders.
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildServer, childAdmin, childS3, startChildServer, stopChildServer } from './helpers/child-server.js';

const BUCKET = 'usagecrash-1250000000';
const CREDENTIALS = {
  accessKeyId: 'AKIDusagecrash000000000000000000000',
  secretKey: 'usagecrashsecretkey0000000000000',
};
const TRIALS = 3;
const PREFIXES = ['', 'd0/', 'd1/', 'd0/s1/', 'd1/s0/', 'd0/s', 'k'];

const startChild = (dataDir: string) => startChildServer(dataDir, CREDENTIALS);
const client = (server: ChildServer) => childS3(server, CREDENTIALS);

/** GET /-/admin/usage with these parameters, SigV4-signed by the root. */
const adminUsage = (server: ChildServer, query: Record<string, string>) =>
  childAdmin(server, CREDENTIALS, 'GET', '/-/admin/usage', query);

/** Writes until the server dies: PUTs and overwrites of various sizes, deletes, parts of new uploads. */
async function writeUntilDead(s3: S3Client, worker: number): Promise<void> {
  for (let i = 0; ; i++) {
    const key = `d${randomInt(2)}/s${randomInt(2)}/k${randomInt(20)}`;
    const roll = randomInt(10);
    try {
      if (roll < 6) {
        await s3.send(
          new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Buffer.alloc(randomInt(1, 200_000), worker) }),
        );
      } else if (roll < 8) {
        await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
      } else {
        const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
        await s3.send(
          new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(1000 + i) }),
        );
      }
    } catch {
      return; // the server is gone (or refused mid-crash): this worker is done
    }
  }
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

describe('live usage across kill -9', () => {
  it('equals a full recount after each restart', { timeout: 120_000 }, async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-usage-crash-'));
    dirs.push(dataDir);
    let server = await startChild(dataDir);
    let s3 = client(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    for (let trial = 0; trial < TRIALS; trial++) {
      const writers = Array.from({ length: 4 }, (_, w) => writeUntilDead(s3, w));
      await new Promise((r) => setTimeout(r, 300 + randomInt(700)));
      await stopChildServer(server);
      await Promise.all(writers);
      s3.destroy();

      server = await startChild(dataDir);
      s3 = client(server);
      const live = await adminUsage(server, { bucket: BUCKET });
      expect(live, `trial ${trial}`).toEqual(await adminUsage(server, { bucket: BUCKET, recount: 'true' }));
      expect((live as { objects: { count: number } }).objects.count).toBeGreaterThan(0);
      for (const prefix of PREFIXES) {
        expect(await adminUsage(server, { bucket: BUCKET, prefix }), `trial ${trial} ${prefix}`).toEqual(
          await adminUsage(server, { bucket: BUCKET, prefix, recount: 'true' }),
        );
      }
    }
    await stopChildServer(server);
  });
});

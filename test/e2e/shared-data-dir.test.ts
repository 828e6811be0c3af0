/**
 * Several gateways on one data directory (#19): when the metadata store is shared, a second gateway
 * starts on the same directory and each sees the other's writes; the embedded store keeps its
 * exclusive lock (#18), and a shared gateway refuses a directory an embedded server holds.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { configFrom, DataDirError, type RunningServer, startServer } from '@coffer/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase } from './helpers/postgres.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function dataDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-shared-dir-'));
  closers.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function gateway(dir: string, sharedMetadata: boolean, metadataUrl?: string): Promise<RunningServer> {
  const config = configFrom({
    ...(metadataUrl === undefined ? {} : { metadataUrl }),
    address: '127.0.0.1:0',
    dataDir: dir,
    fsync: '0',
    logLevel: 'silent',
    lifecycleHourUtc: '-1',
  });
  const server = await startServer(config, { sharedMetadata });
  closers.push(() => server.close());
  return server;
}

function client(server: RunningServer): S3Client {
  const s3 = new S3Client({
    endpoint: server.url,
    region: 'ap-guangzhou',
    forcePathStyle: true,
    credentials: { accessKeyId: server.identity.secretId, secretAccessKey: server.identity.secretKey },
    maxAttempts: 1,
  });
  closers.push(async () => s3.destroy());
  return s3;
}

describe('a data directory shared by gateways', () => {
  it('two gateways on one directory and one (shared) metadata store serve each other’s objects', async () => {
    const dir = await dataDir();
    const a = await gateway(dir, true);
    const b = await gateway(dir, true);
    // Each writes in its own tmp/ directory, and neither took the exclusive lock.
    const tmp = await fs.readdir(path.join(dir, 'tmp'));
    expect(tmp).toHaveLength(2);
    await expect(fs.stat(path.join(dir, 'server.lock'))).rejects.toThrow();
    expect(b.identity.secretId).toBe(a.identity.secretId);
    const s3a = client(a);
    const s3b = client(b);
    const Bucket = 'shared-1250000000';
    await s3a.send(new CreateBucketCommand({ Bucket }));
    const big = Buffer.alloc(256 * 1024, 7); // a file blob, not inline
    await s3a.send(new PutObjectCommand({ Bucket, Key: 'from-a', Body: big }));
    await s3b.send(new PutObjectCommand({ Bucket, Key: 'from-b', Body: 'small' }));
    const fromA = await s3b.send(new GetObjectCommand({ Bucket, Key: 'from-a' }));
    expect(Buffer.from(await fromA.Body!.transformToByteArray()).equals(big)).toBe(true);
    const fromB = await s3a.send(new GetObjectCommand({ Bucket, Key: 'from-b' }));
    expect(await fromB.Body!.transformToString()).toBe('small');
    // A gateway's clean stop leaves the other serving.
    await a.close();
    const again = await s3b.send(new GetObjectCommand({ Bucket, Key: 'from-a' }));
    expect((await again.Body!.transformToByteArray()).length).toBe(big.length);
  });

  it('the embedded store keeps the exclusive lock: a second server is refused, shared or not', async () => {
    const dir = await dataDir();
    await gateway(dir, false);
    await expect(gateway(dir, false)).rejects.toThrow(/in use by another Coffer server/);
    await expect(gateway(dir, true)).rejects.toThrow(/in use by an embedded Coffer server/);
  });

  it('cluster.json: gateways on PostgreSQL mark the directory, and an embedded server refuses it', async () => {
    const dir = await dataDir();
    const url = await createTestDatabase();
    closers.push(() => dropTestDatabase(url));
    const withPassword = new URL(url);
    withPassword.password = 'sekrit';
    const a = await gateway(dir, false, withPassword.toString());
    const marker = JSON.parse(await fs.readFile(path.join(dir, 'cluster.json'), 'utf8'));
    expect(marker.metadata).toBe(url);
    expect(JSON.stringify(marker)).not.toContain('sekrit');
    // A second gateway of the same cluster starts on it; an embedded server does not, while the
    // gateways run or after they stopped (they leave no lock file to see).
    await gateway(dir, false, url);
    const embedded = gateway(dir, false);
    await expect(embedded).rejects.toBeInstanceOf(DataDirError);
    await expect(embedded).rejects.toThrow(
      `data directory ${dir} belongs to a cluster of gateways whose metadata is in ${url} (${path.join(dir, 'cluster.json')}): an embedded server cannot use it`,
    );
    await a.close();
    await expect(gateway(dir, false)).rejects.toThrow(/belongs to a cluster of gateways/);
    await expect(fs.stat(path.join(dir, 'server.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
    // A gateway pointed at another database is refused too: two clusters on one blob tree would each
    // take the other's blobs for garbage.
    const other = new URL(url);
    other.pathname = '/coffer_test_other';
    await expect(gateway(dir, false, other.toString())).rejects.toThrow(
      `data directory ${dir} belongs to the cluster whose metadata is in ${url}`,
    );
  });

  it('a gateway refused by an embedded server’s lock leaves no cluster.json behind', async () => {
    const dir = await dataDir();
    await gateway(dir, false);
    await expect(gateway(dir, false, 'postgres://postgres@127.0.0.1:5432/coffer_test_unused')).rejects.toThrow(
      /in use by an embedded Coffer server/,
    );
    await expect(fs.stat(path.join(dir, 'cluster.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

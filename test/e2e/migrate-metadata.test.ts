import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { migrateMetadata } from '@coffer/server';
import { describe, expect, it } from 'vitest';
import { cliEnv, coffer } from './helpers/coffer-cli.js';
import { createTestDatabase, dropTestDatabase } from './helpers/postgres.js';
import { readAll, startTestServer } from './helpers/server.js';

/** A key SQLite holds as is and PostgreSQL only escaped (pg/keys.ts). */
const NUL_KEY = 'odd\u0000key/a';

describe('coffer migrate: an embedded deployment into PostgreSQL', () => {
  it('copies every table, verifies counts and checksums, and a server on PostgreSQL serves the same objects', async () => {
    const t = await startTestServer();
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-migrate-home-'));
    const target = await createTestDatabase();
    const empty = await createTestDatabase();
    try {
      const s3 = t.s3();
      const bucket = t.bucketName('mig');
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/small', Body: 'inline body' }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/small', Body: 'second version' }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: Buffer.alloc(100_000, 7) }));
      // In a bucket of its own: SQLite's directory index gives up on a bucket with such a key.
      const odd = t.bucketName('odd');
      await s3.send(new CreateBucketCommand({ Bucket: odd }));
      await s3.send(new PutObjectCommand({ Bucket: odd, Key: NUL_KEY, Body: 'nul' }));
      const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp' }));
      const part = await s3.send(
        new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: mp.UploadId, PartNumber: 1, Body: 'part one' }),
      );
      await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'pending/upload' }));
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: 'mp',
          UploadId: mp.UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] },
        }),
      );
      await t.server.close();

      // The CLI refuses a target that is not PostgreSQL, and reports table by table.
      const env = cliEnv(t, home, 's3');
      const wrong = await coffer(env, ['migrate', '--from', t.dataDir, '--to', 'mysql://x']);
      expect(wrong.code).not.toBe(0);
      const run = await coffer(env, ['--json', 'migrate', '--from', t.dataDir, '--to', target]);
      const checks = JSON.parse(run.stdout) as { table: string; rows: number; matches: boolean }[];
      expect(checks.filter((c) => !c.matches)).toEqual([]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const rows = Object.fromEntries(checks.map((c) => [c.table, c.rows]));
      expect(rows.buckets).toBe(2);
      expect(rows.objects).toBe(5);
      expect(rows.uploads).toBe(1);
      expect(rows.bucket_usage).toBeGreaterThan(0);
      expect(rows.dirs).toBeGreaterThan(0);
      // A second migration into a database that holds metadata is refused.
      await expect(migrateMetadata({ from: t.dataDir, to: target })).rejects.toThrow(/already holds metadata/);
      expect((await migrateMetadata({ from: t.dataDir, to: empty })).every((c) => c.matches)).toBe(true);

      const onPg = await startTestServer({ dataDir: t.dataDir, config: { metadataUrl: target } });
      try {
        const pg = onPg.s3();
        const get = async (key: string, from = bucket) =>
          (await readAll((await pg.send(new GetObjectCommand({ Bucket: from, Key: key }))).Body as never)).toString();
        expect(await get('dir/small')).toBe('second version');
        expect(await get(NUL_KEY, odd)).toBe('nul');
        expect(await get('mp')).toBe('part one');
        expect((await get('big')).length).toBe(100_000);
        const listed = await pg.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
        expect(listed.Contents?.map((c) => c.Key)).toEqual(['big', 'mp']);
        expect(listed.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['dir/']);
        // EncodingType url: XML cannot carry U+0000.
        const oddList = await pg.send(new ListObjectsV2Command({ Bucket: odd, Delimiter: '/', EncodingType: 'url' }));
        expect(oddList.CommonPrefixes?.map((p) => decodeURIComponent(p.Prefix!))).toEqual(['odd\u0000key/']);
        const versions = await pg.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'dir/' }));
        expect(versions.Versions).toHaveLength(2);
        // New writes continue the copied ids and sequence.
        await pg.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/small', Body: 'third' }));
        expect(await get('dir/small')).toBe('third');
      } finally {
        await onPg.server.close();
      }
    } finally {
      await t.close();
      await fs.rm(home, { recursive: true, force: true });
      await dropTestDatabase(target);
      await dropTestDatabase(empty);
    }
  });

  it('coffer server --metadata: refuses what is not a PostgreSQL URL, and names a database it cannot open', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-metadata-flag-'));
    try {
      const env = { ...process.env, HOME: dir };
      const scheme = await coffer(env, [
        'server',
        '--data',
        dir,
        '--address',
        '127.0.0.1:0',
        '--metadata',
        'mysql://x',
      ]);
      expect(scheme.code).not.toBe(0);
      expect(scheme.stderr).toContain('--metadata must be a PostgreSQL connection string');
      const missing = await coffer(env, [
        'server',
        '--data',
        dir,
        '--address',
        '127.0.0.1:0',
        '--metadata',
        'postgres://postgres@127.0.0.1:5432/coffer_no_such_database',
      ]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('cannot open the metadata database 127.0.0.1:5432/coffer_no_such_database');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

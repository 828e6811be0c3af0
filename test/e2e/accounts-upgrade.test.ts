/**
 * A data directory written before accounts existed (metadata schema 17, one account in
 * credentials.json) upgrades in place: its account becomes the first, the operator, with its
 * buckets, objects, sub-users and keys as they were; new accounts can then be made beside it.
 */
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../packages/server/src/stores/sqlite/migrations.js';
import { adminOk, createSubUser } from './helpers/access.js';
import { createAccount } from './helpers/accounts.js';
import { metadataOnPostgres } from './helpers/postgres.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** The schema version before accounts (migration 18 adds them). */
const BEFORE_ACCOUNTS = 17;

describe('accounts: upgrading a one-account data directory', () => {
  let t: TestServer | undefined;
  afterAll(async () => {
    await t?.close();
  });

  // An embedded data directory's upgrade: it rewrites meta.db (SQLite) to the schema before accounts.
  it.skipIf(metadataOnPostgres())(
    'keeps the account as the operator, with its buckets, objects, users and keys',
    async () => {
      expect(MIGRATIONS.length).toBeGreaterThan(BEFORE_ACCOUNTS);
      const first = await startTestServer();
      const bucket = `upgrade${process.pid}-${first.appId}`;
      await first.s3().send(new CreateBucketCommand({ Bucket: bucket }));
      await first.s3().send(new PutObjectCommand({ Bucket: bucket, Key: 'kept', Body: 'from before' }));
      const user = await createSubUser(first, 'old-user', {
        read: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
      });
      const { appId, secretId, dataDir } = first;
      await first.server.close();

      // Take the directory back to what a Coffer from before accounts left: schema 17, no accounts table.
      const db = new Database(path.join(dataDir, 'meta.db'));
      // And without what later migrations (19: KMS keys, object access times; 20: request counts; 21: one
      // unfinished lifecycle run, and its summary) added.
      db.exec(
        'DROP TABLE accounts; DROP INDEX buckets_by_owner_id; DROP TRIGGER object_access_gone; DROP TABLE object_access; DROP TABLE kms_key_versions; DROP TABLE kms_keys; DROP TABLE request_counts; DROP INDEX lifecycle_runs_one_unfinished; ALTER TABLE lifecycle_runs DROP COLUMN summary;',
      );
      db.pragma(`user_version = ${BEFORE_ACCOUNTS}`);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'accounts'").all()).toEqual([]);
      db.close();

      t = await startTestServer({ dataDir });
      expect({ appId: t.appId, secretId: t.secretId }).toEqual({ appId, secretId });
      const s3 = t.s3();
      expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual([bucket]);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'kept' }));
      expect(await got.Body!.transformToString()).toBe('from before');
      // The sub-user's key and policy still work.
      const userS3 = t.s3({
        credentials: { accessKeyId: user.creds.accessKeyId, secretAccessKey: user.creds.secretKey },
      });
      expect(
        await (await userS3.send(new GetObjectCommand({ Bucket: bucket, Key: 'kept' }))).Body!.transformToString(),
      ).toBe('from before');
      // The one account is now the first, the operator; it can make others, which see none of its buckets.
      const listed = await adminOk<{ accounts: { appId: string; operator: boolean; name: string }[] }>(
        t,
        200,
        'GET',
        '/admin/accounts',
      );
      expect(listed.accounts).toEqual([expect.objectContaining({ appId, operator: true, name: 'default' })]);
      const other = await createAccount(t, 'after-upgrade');
      expect((await other.s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
      const schema = new Database(path.join(dataDir, 'meta.db'), { readonly: true });
      expect(schema.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      schema.close();
    },
  );
});

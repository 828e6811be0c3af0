import {
  type AccessKeyRow,
  toAccessKey,
  toUser,
  toUserPolicy,
  type UserPolicyRow,
  type UserRow,
} from '../sqlite/rows.js';
import {
  type AccessKeyRecord,
  type IdentityStore,
  StoreError,
  type UserPolicyRecord,
  type UserRecord,
} from '../types.js';
import { notifyChange } from './change-feed.js';
import type { PgDb } from './pg-db.js';

/** Sub-users, access keys and user policies. */
export class PgIdentities implements IdentityStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
  }

  createUser(user: UserRecord): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      if (await tx.one('SELECT 1 FROM users WHERE uin = $1', [user.uin]))
        throw new StoreError('conflict', `user ${user.uin} exists`);
      if (await tx.one('SELECT 1 FROM users WHERE owner_uin = $1 AND name = $2', [user.ownerUin, user.name]))
        throw new StoreError('conflict', `a user named ${user.name} exists`);
      // A concurrent insert of the same uin or name fails on the unique index: 'conflict' (PgWriteBatcher).
      await tx.run('INSERT INTO users (uin, owner_uin, name, created_ms) VALUES ($1, $2, $3, $4)', [
        user.uin,
        user.ownerUin,
        user.name,
        user.createdMs,
      ]);
    });
  }

  async getUser(uin: string): Promise<UserRecord | undefined> {
    const row = await this.#db.read.one<UserRow>('SELECT * FROM users WHERE uin = $1', [uin]);
    return row && toUser(row);
  }

  async listUsers(ownerUin: string): Promise<UserRecord[]> {
    return (
      await this.#db.read.rows<UserRow>('SELECT * FROM users WHERE owner_uin = $1 ORDER BY name', [ownerUin])
    ).map(toUser);
  }

  deleteUser(uin: string): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      // Keys and policies go with the user (ON DELETE CASCADE).
      if ((await tx.run('DELETE FROM users WHERE uin = $1', [uin])) === 0)
        throw new StoreError('not-found', `no user ${uin}`);
      await notifyChange(tx, { kind: 'identity', uin });
    });
  }

  createAccessKey(key: AccessKeyRecord, maxPerUser: number): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      // Locks the user: two keys created at once cannot both slip under the limit.
      if (!(await tx.one('SELECT 1 FROM users WHERE uin = $1 FOR UPDATE', [key.uin])))
        throw new StoreError('not-found', `no user ${key.uin}`);
      if (await tx.one('SELECT 1 FROM access_keys WHERE secret_id = $1', [key.secretId]))
        throw new StoreError('conflict', 'access key id taken');
      const { n } = (await tx.one<{ n: number }>('SELECT count(*) AS n FROM access_keys WHERE uin = $1', [key.uin]))!;
      if (n >= maxPerUser) throw new StoreError('limit-exceeded', `user ${key.uin} has ${n} access keys`);
      await tx.run('INSERT INTO access_keys (secret_id, uin, sealed_secret, created_ms) VALUES ($1, $2, $3, $4)', [
        key.secretId,
        key.uin,
        key.sealedSecret,
        key.createdMs,
      ]);
    });
  }

  async getAccessKey(secretId: string): Promise<AccessKeyRecord | undefined> {
    const row = await this.#db.read.one<AccessKeyRow>('SELECT * FROM access_keys WHERE secret_id = $1', [secretId]);
    return row && toAccessKey(row);
  }

  async listAccessKeys(uin: string): Promise<AccessKeyRecord[]> {
    return (
      await this.#db.read.rows<AccessKeyRow>(
        'SELECT * FROM access_keys WHERE uin = $1 ORDER BY created_ms, secret_id',
        [uin],
      )
    ).map(toAccessKey);
  }

  deleteAccessKey(secretId: string): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      if ((await tx.run('DELETE FROM access_keys WHERE secret_id = $1', [secretId])) === 0)
        throw new StoreError('not-found', `no access key ${secretId}`);
      await notifyChange(tx, { kind: 'identity', secretId });
    });
  }

  putUserPolicy(policy: UserPolicyRecord): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      if (!(await tx.one('SELECT 1 FROM users WHERE uin = $1 FOR SHARE', [policy.uin])))
        throw new StoreError('not-found', `no user ${policy.uin}`);
      await tx.run(
        `INSERT INTO user_policies (uin, name, doc, updated_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (uin, name) DO UPDATE SET doc = excluded.doc, updated_ms = excluded.updated_ms`,
        [policy.uin, policy.name, policy.doc, policy.updatedMs],
      );
      await notifyChange(tx, { kind: 'identity', uin: policy.uin });
    });
  }

  async listUserPolicies(uin: string): Promise<UserPolicyRecord[]> {
    return (
      await this.#db.read.rows<UserPolicyRow>('SELECT * FROM user_policies WHERE uin = $1 ORDER BY name', [uin])
    ).map(toUserPolicy);
  }

  deleteUserPolicy(uin: string, name: string): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      if ((await tx.run('DELETE FROM user_policies WHERE uin = $1 AND name = $2', [uin, name])) === 0)
        throw new StoreError('not-found', `user ${uin} has no policy ${name}`);
      await notifyChange(tx, { kind: 'identity', uin });
    });
  }
}

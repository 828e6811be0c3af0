import {
  type AccessKeyRecord,
  type IdentityStore,
  StoreError,
  type UserPolicyRecord,
  type UserRecord,
} from '../types.js';
import { type AccessKeyRow, toAccessKey, toUser, toUserPolicy, type UserPolicyRow, type UserRow } from './rows.js';
import type { SqliteDb } from './sqlite-db.js';

/** Sub-users, access keys and user policies. */
export class SqliteIdentities implements IdentityStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  createUser(user: UserRecord): Promise<void> {
    return this.#db.writes.run(() => {
      if (this.#db.stmt.userByUin.get(user.uin)) throw new StoreError('conflict', `user ${user.uin} exists`);
      if (this.#db.stmt.userByName.get(user.ownerUin, user.name))
        throw new StoreError('conflict', `a user named ${user.name} exists`);
      this.#db.stmt.insertUser.run(user.uin, user.ownerUin, user.name, user.createdMs);
    });
  }

  async getUser(uin: string): Promise<UserRecord | undefined> {
    const row = this.#db.stmt.userByUin.get(uin) as UserRow | undefined;
    return row && toUser(row);
  }

  async listUsers(ownerUin: string): Promise<UserRecord[]> {
    return (this.#db.stmt.usersOf.all(ownerUin) as UserRow[]).map(toUser);
  }

  deleteUser(uin: string): Promise<void> {
    return this.#db.writes.run(() => {
      // Keys and policies go with the user (ON DELETE CASCADE).
      if (this.#db.stmt.deleteUser.run(uin).changes === 0) throw new StoreError('not-found', `no user ${uin}`);
    });
  }

  createAccessKey(key: AccessKeyRecord, maxPerUser: number): Promise<void> {
    return this.#db.writes.run(() => {
      if (!this.#db.stmt.userByUin.get(key.uin)) throw new StoreError('not-found', `no user ${key.uin}`);
      if (this.#db.stmt.accessKeyById.get(key.secretId)) throw new StoreError('conflict', 'access key id taken');
      const { n } = this.#db.stmt.accessKeyCount.get(key.uin) as { n: number };
      if (n >= maxPerUser) throw new StoreError('limit-exceeded', `user ${key.uin} has ${n} access keys`);
      this.#db.stmt.insertAccessKey.run(key.secretId, key.uin, key.sealedSecret, key.createdMs);
    });
  }

  async getAccessKey(secretId: string): Promise<AccessKeyRecord | undefined> {
    const row = this.#db.stmt.accessKeyById.get(secretId) as AccessKeyRow | undefined;
    return row && toAccessKey(row);
  }

  async listAccessKeys(uin: string): Promise<AccessKeyRecord[]> {
    return (this.#db.stmt.accessKeysOf.all(uin) as AccessKeyRow[]).map(toAccessKey);
  }

  deleteAccessKey(secretId: string): Promise<void> {
    return this.#db.writes.run(() => {
      if (this.#db.stmt.deleteAccessKey.run(secretId).changes === 0)
        throw new StoreError('not-found', `no access key ${secretId}`);
    });
  }

  putUserPolicy(policy: UserPolicyRecord): Promise<void> {
    return this.#db.writes.run(() => {
      if (!this.#db.stmt.userByUin.get(policy.uin)) throw new StoreError('not-found', `no user ${policy.uin}`);
      this.#db.stmt.upsertUserPolicy.run(policy.uin, policy.name, policy.doc, policy.updatedMs);
    });
  }

  async listUserPolicies(uin: string): Promise<UserPolicyRecord[]> {
    return (this.#db.stmt.userPoliciesOf.all(uin) as UserPolicyRow[]).map(toUserPolicy);
  }

  deleteUserPolicy(uin: string, name: string): Promise<void> {
    return this.#db.writes.run(() => {
      if (this.#db.stmt.deleteUserPolicy.run(uin, name).changes === 0)
        throw new StoreError('not-found', `user ${uin} has no policy ${name}`);
    });
  }
}

import type { AccountPatch, AccountRecord, AccountStore } from '../accounts.js';
import { StoreError } from '../types.js';
import type { SqliteDb } from './sqlite-db.js';

/** An accounts row, as both stores read it. */
export interface AccountRow {
  app_id: string;
  uin: string;
  name: string;
  secret_id: string | null;
  sealed_secret: string | null;
  created_ms: number;
  suspended: number;
  operator: number;
  public_access_block: string | null;
}

export function toAccount(row: AccountRow): AccountRecord {
  return {
    appId: row.app_id,
    uin: row.uin,
    name: row.name,
    ...(row.secret_id !== null ? { rootSecretId: row.secret_id } : {}),
    ...(row.sealed_secret !== null ? { sealedRootSecret: row.sealed_secret } : {}),
    createdMs: row.created_ms,
    suspended: row.suspended === 1,
    operator: row.operator === 1,
    ...(row.public_access_block !== null ? { publicAccessBlock: row.public_access_block } : {}),
  };
}

/** The accounts table (migration 18), for SqliteMetaStore. */
export class SqliteAccounts implements AccountStore {
  readonly #writes: SqliteDb['writes'];
  readonly #stmt;

  constructor(sqlite: SqliteDb) {
    const db = sqlite.db;
    this.#writes = sqlite.writes;
    this.#stmt = {
      insert: db.prepare(`INSERT INTO accounts (app_id, uin, name, secret_id, sealed_secret, created_ms, suspended,
        operator, public_access_block) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      clash: db.prepare(
        'SELECT 1 FROM accounts WHERE app_id = ? OR uin = ? OR name = ? OR (secret_id IS NOT NULL AND secret_id = ?)',
      ),
      all: db.prepare('SELECT * FROM accounts ORDER BY operator DESC, created_ms, app_id'),
      byAppId: db.prepare('SELECT * FROM accounts WHERE app_id = ?'),
      update: db.prepare(`UPDATE accounts SET suspended = ?, public_access_block = ?, app_id = ?, uin = ?
        WHERE app_id = ?`),
      // Owner ids are `qcs::cam::uin/<account uin>:uin/<uin>`; the prefix range finds an account's buckets.
      anyBucket: db.prepare('SELECT 1 FROM buckets WHERE owner_id >= ? AND owner_id < ? LIMIT 1'),
      deleteUsers: db.prepare('DELETE FROM users WHERE owner_uin = ?'),
      delete: db.prepare('DELETE FROM accounts WHERE app_id = ?'),
    };
  }

  createAccount(a: AccountRecord): Promise<void> {
    return this.#writes.run(() => {
      if (this.#stmt.clash.get(a.appId, a.uin, a.name, a.rootSecretId ?? null)) {
        throw new StoreError('conflict', `an account with APPID ${a.appId}, uin ${a.uin} or name ${a.name} exists`);
      }
      this.#stmt.insert.run(
        a.appId,
        a.uin,
        a.name,
        a.rootSecretId ?? null,
        a.sealedRootSecret ?? null,
        a.createdMs,
        a.suspended ? 1 : 0,
        a.operator ? 1 : 0,
        a.publicAccessBlock ?? null,
      );
    });
  }

  async listAccounts(): Promise<AccountRecord[]> {
    return (this.#stmt.all.all() as AccountRow[]).map(toAccount);
  }

  updateAccount(appId: string, patch: AccountPatch): Promise<void> {
    return this.#writes.run(() => {
      const row = this.#stmt.byAppId.get(appId) as AccountRow | undefined;
      if (!row) throw new StoreError('not-found', `no account ${appId}`);
      this.#stmt.update.run(
        (patch.suspended ?? row.suspended === 1) ? 1 : 0,
        patch.publicAccessBlock === undefined ? row.public_access_block : patch.publicAccessBlock,
        patch.appId ?? row.app_id,
        patch.uin ?? row.uin,
        appId,
      );
    });
  }

  deleteAccount(appId: string): Promise<void> {
    return this.#writes.run(() => {
      const row = this.#stmt.byAppId.get(appId) as AccountRow | undefined;
      if (!row) throw new StoreError('not-found', `no account ${appId}`);
      if (this.#stmt.anyBucket.get(...ownerRange(row.uin))) {
        throw new StoreError('not-empty', `account ${appId} owns buckets`);
      }
      this.#stmt.deleteUsers.run(row.uin);
      this.#stmt.delete.run(appId);
    });
  }
}

/**
 * Owner ids are `qcs::cam::uin/<account uin>:uin/<uin>`; ';' is the character after ':', so the ids of
 * an account's principals are exactly those in [`…/<uin>:`, `…/<uin>;`), one index range.
 */
function ownerRange(accountUin: string): [string, string] {
  return [`qcs::cam::uin/${accountUin}:`, `qcs::cam::uin/${accountUin};`];
}

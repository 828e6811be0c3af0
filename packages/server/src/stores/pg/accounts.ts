import type { AccountPatch, AccountRecord, AccountStore } from '../accounts.js';
import { type AccountRow, toAccount } from '../sqlite/accounts.js';
import { StoreError } from '../types.js';
import { notifyChange } from './change-feed.js';
import type { PgDb } from './pg-db.js';

/**
 * The accounts table on PostgreSQL (migration 3). Every change is announced on the change feed
 * (`{ kind: 'account' }`): each gateway's account registry reads the accounts again, so a suspension
 * or a deletion made through one gateway holds on all of them.
 */
export class PgAccounts implements AccountStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
  }

  createAccount(a: AccountRecord): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      const clash = await tx.one(
        'SELECT 1 FROM accounts WHERE app_id = $1 OR uin = $2 OR name = $3 OR (secret_id IS NOT NULL AND secret_id = $4)',
        [a.appId, a.uin, a.name, a.rootSecretId ?? null],
      );
      if (clash) {
        throw new StoreError('conflict', `an account with APPID ${a.appId}, uin ${a.uin} or name ${a.name} exists`);
      }
      // A racing create of the same APPID, uin or name fails on the unique index: 'conflict' too.
      await tx.run(
        `INSERT INTO accounts (app_id, uin, name, secret_id, sealed_secret, created_ms, suspended, operator,
           public_access_block) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          a.appId,
          a.uin,
          a.name,
          a.rootSecretId ?? null,
          a.sealedRootSecret ?? null,
          a.createdMs,
          a.suspended ? 1 : 0,
          a.operator ? 1 : 0,
          a.publicAccessBlock ?? null,
        ],
      );
      await notifyChange(tx, { kind: 'account' });
    });
  }

  async listAccounts(): Promise<AccountRecord[]> {
    const rows = await this.#db.read.rows<AccountRow>(
      'SELECT * FROM accounts ORDER BY operator DESC, created_ms, app_id COLLATE "C"',
    );
    return rows.map(toAccount);
  }

  updateAccount(appId: string, patch: AccountPatch): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      const row = await tx.one<AccountRow>('SELECT * FROM accounts WHERE app_id = $1 FOR UPDATE', [appId]);
      if (!row) throw new StoreError('not-found', `no account ${appId}`);
      await tx.run(
        'UPDATE accounts SET suspended = $1, public_access_block = $2, app_id = $3, uin = $4 WHERE app_id = $5',
        [
          (patch.suspended ?? row.suspended === 1) ? 1 : 0,
          patch.publicAccessBlock === undefined ? row.public_access_block : patch.publicAccessBlock,
          patch.appId ?? row.app_id,
          patch.uin ?? row.uin,
          appId,
        ],
      );
      await notifyChange(tx, { kind: 'account' });
    });
  }

  deleteAccount(appId: string): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      const row = await tx.one<AccountRow>('SELECT * FROM accounts WHERE app_id = $1 FOR UPDATE', [appId]);
      if (!row) throw new StoreError('not-found', `no account ${appId}`);
      // Owner ids are `qcs::cam::uin/<account uin>:uin/<uin>`: one byte-order range per account.
      const any = await tx.one(
        'SELECT 1 FROM buckets WHERE owner_id COLLATE "C" >= $1 AND owner_id COLLATE "C" < $2 LIMIT 1',
        [`qcs::cam::uin/${row.uin}:`, `qcs::cam::uin/${row.uin};`],
      );
      if (any) throw new StoreError('not-empty', `account ${appId} owns buckets`);
      await tx.run('DELETE FROM users WHERE owner_uin = $1', [row.uin]);
      await tx.run('DELETE FROM accounts WHERE app_id = $1', [appId]);
      // Its sub-users' keys go too: every gateway drops its cached credentials (rare: an account deleted).
      await notifyChange(tx, { kind: 'all' });
      await notifyChange(tx, { kind: 'account' });
    });
  }
}

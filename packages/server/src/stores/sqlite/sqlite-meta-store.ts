import type Database from 'better-sqlite3';
import { composeDomains } from '../compose.js';
import type { MetadataStore } from '../types.js';
import { SqliteAccessLog } from './access-log.js';
import { SqliteAccounts } from './accounts.js';
import { SqliteBlobRefs } from './blob-refs.js';
import { SqliteBuckets } from './buckets.js';
import { SqliteIdentities } from './identities.js';
import { SqliteInventory } from './inventory.js';
import { SqliteLifecycle } from './lifecycle.js';
import { SqliteObjectListing } from './object-listing.js';
import { SqliteObjects } from './objects.js';
import { SqliteOutbox } from './outbox.js';
import { SqliteRecycleBin } from './recycle.js';
import { SqliteRequestCounts } from './request-counts.js';
import { SqliteDb, type SqliteMetaStoreOptions } from './sqlite-db.js';
import { SqliteUploads } from './uploads.js';
import { SqliteUsage } from './usage.js';

export type { SqliteMetaStoreOptions } from './sqlite-db.js';

/** What a domain store outside MetadataStore works with (kms-keys.ts, object-access.ts): SqliteMetaStore.shared(). */
export interface SqliteShared {
  db: Database.Database;
  /** Runs `fn` inside the next group-committed transaction; settles after the COMMIT. */
  write<T>(fn: () => T): Promise<T>;
}

export interface SqliteMetaStore extends MetadataStore {}

/**
 * The embedded MetadataStore: better-sqlite3 in WAL mode (sqlite-db.ts), one file per domain
 * (buckets.ts, objects.ts, object-listing.ts, uploads.ts, usage.ts, lifecycle.ts, identities.ts,
 * blob-refs.ts, outbox.ts, recycle.ts, access-log.ts, inventory.ts, accounts.ts, request-counts.ts), as in stores/pg. Reads run at once; writes go through the WriteBatcher (group
 * commit). Every mutating method is one function run inside one transaction.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the domains' methods are added by composeDomains.
export class SqliteMetaStore {
  readonly kind = 'sqlite';
  readonly #db: SqliteDb;

  constructor(options: SqliteMetaStoreOptions) {
    const db = new SqliteDb(options);
    this.#db = db;
    composeDomains(this, {
      buckets: new SqliteBuckets(db),
      objects: new SqliteObjects(db),
      listing: new SqliteObjectListing(db),
      uploads: new SqliteUploads(db),
      usage: new SqliteUsage(db),
      lifecycle: new SqliteLifecycle(db),
      identities: new SqliteIdentities(db),
      accounts: new SqliteAccounts(db),
      blobRefs: new SqliteBlobRefs(db),
      outbox: new SqliteOutbox(db),
      recycle: new SqliteRecycleBin(db),
      accessLog: new SqliteAccessLog(db),
      inventory: new SqliteInventory(db),
      requestCounts: new SqliteRequestCounts(db),
    });
  }

  /**
   * The database and its group commit, for the stores of other domains kept in the same file that
   * the engine takes on their own (kms-keys.ts, object-access.ts): their writes join the batches.
   */
  shared(): SqliteShared {
    const db = this.#db;
    return { db: db.db, write: (fn) => db.writes.run(fn) };
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}

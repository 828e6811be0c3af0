import { composeDomains } from '../compose.js';
import type { MetadataStore } from '../types.js';
import { SqliteBlobRefs } from './blob-refs.js';
import { SqliteBuckets } from './buckets.js';
import { SqliteIdentities } from './identities.js';
import { SqliteLifecycle } from './lifecycle.js';
import { SqliteObjectListing } from './object-listing.js';
import { SqliteObjects } from './objects.js';
import { SqliteDb, type SqliteMetaStoreOptions } from './sqlite-db.js';
import { SqliteUploads } from './uploads.js';
import { SqliteUsage } from './usage.js';

export type { SqliteMetaStoreOptions } from './sqlite-db.js';

export interface SqliteMetaStore extends MetadataStore {}

/**
 * The embedded MetadataStore: better-sqlite3 in WAL mode (sqlite-db.ts), one file per domain
 * (buckets.ts, objects.ts, object-listing.ts, uploads.ts, usage.ts, lifecycle.ts, identities.ts,
 * blob-refs.ts), as in stores/pg. Reads run at once; writes go through the WriteBatcher (group
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
      blobRefs: new SqliteBlobRefs(db),
    });
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}

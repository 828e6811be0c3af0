import { composeDomains } from '../compose.js';
import type { ChangeFeed, MetadataStore } from '../types.js';
import { PgBlobRefs } from './blob-refs.js';
import { PgBuckets } from './buckets.js';
import { PgIdentities } from './identities.js';
import { PgLifecycle } from './lifecycle.js';
import { PgObjectListing } from './object-listing.js';
import { PgObjects } from './objects.js';
import { PgDb, type PgMetaStoreOptions } from './pg-db.js';
import { PgUploads } from './uploads.js';
import { PgUsage } from './usage.js';

export type { PgMetaStoreOptions } from './pg-db.js';

export interface PgMetaStore extends MetadataStore {}

/**
 * The MetadataStore on PostgreSQL (`--metadata postgres://…`), for several gateways sharing one
 * database: a `pg` pool, versioned migrations (migrations.ts), one file per domain as in
 * stores/sqlite. Reads run on any pooled connection; writes are group-committed (PgWriteBatcher) at
 * READ COMMITTED with row and advisory locks (docs/ARCHITECTURE.md, "PostgreSQL").
 *
 * @example
 * const meta = await PgMetaStore.open({ url: 'postgres://postgres@127.0.0.1:5432/coffer' });
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the domains' methods are added by composeDomains.
export class PgMetaStore {
  readonly kind = 'postgres';
  readonly changes: ChangeFeed;
  readonly #db: PgDb;

  private constructor(db: PgDb) {
    this.#db = db;
    this.changes = db.changes;
    composeDomains(this, {
      buckets: new PgBuckets(db),
      objects: new PgObjects(db),
      listing: new PgObjectListing(db),
      uploads: new PgUploads(db),
      usage: new PgUsage(db),
      lifecycle: new PgLifecycle(db),
      identities: new PgIdentities(db),
      blobRefs: new PgBlobRefs(db),
    });
  }

  /** Connects and migrates the schema (one gateway at a time). */
  static async open(options: PgMetaStoreOptions): Promise<PgMetaStore> {
    return new PgMetaStore(await PgDb.open(options));
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}

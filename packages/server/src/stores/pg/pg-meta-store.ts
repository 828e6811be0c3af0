import { composeDomains } from '../compose.js';
import type { KmsKeyStore, ObjectAccessStore } from '../domain-stores.js';
import type { ChangeFeed, MetadataStore } from '../types.js';
import { PgAccessLog } from './access-log.js';
import { PgAccounts } from './accounts.js';
import { PgBlobRefs } from './blob-refs.js';
import { PgBuckets } from './buckets.js';
import { PgIdentities } from './identities.js';
import { PgInventory } from './inventory.js';
import { PgKmsKeyStore } from './kms-keys.js';
import { PgLeaseStore } from './leases.js';
import { PgLifecycle } from './lifecycle.js';
import { PgObjectAccessStore } from './object-access.js';
import { PgObjectListing } from './object-listing.js';
import { PgObjects } from './objects.js';
import { PgOutbox } from './outbox.js';
import { PgDb, type PgMetaStoreOptions } from './pg-db.js';
import { PgRecycleBin } from './recycle.js';
import { PgRequestCounts } from './request-counts.js';
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
  readonly sharedByGateways = true;
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
      accounts: new PgAccounts(db),
      blobRefs: new PgBlobRefs(db),
      outbox: new PgOutbox(db),
      recycle: new PgRecycleBin(db),
      accessLog: new PgAccessLog(db),
      inventory: new PgInventory(db),
      requestCounts: new PgRequestCounts(db),
    });
  }

  /** The lease store on this database (its pool): what every gateway sharing it competes on. */
  leaseStore(): PgLeaseStore {
    return new PgLeaseStore(this.#db.read);
  }

  /** The KMS key registry in this database. */
  kmsKeyStore(): KmsKeyStore {
    return new PgKmsKeyStore(this.#db);
  }

  /** Intelligent tiering's last-access records in this database. */
  objectAccessStore(): ObjectAccessStore {
    return new PgObjectAccessStore(this.#db);
  }

  /** Connects and migrates the schema (one gateway at a time). */
  static async open(options: PgMetaStoreOptions): Promise<PgMetaStore> {
    return new PgMetaStore(await PgDb.open(options));
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}

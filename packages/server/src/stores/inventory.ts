/** What the inventory worker reads and remembers (see engine/inventory.ts). */

/** One version as an inventory report lists it. */
export interface InventoryRow {
  key: string;
  seq: number;
  versionId: string;
  isLatest: boolean;
  isDeleteMarker: boolean;
  size: number;
  etag: string;
  lastModifiedMs: number;
  storageClass: string;
  isMultipart: boolean;
  sse?: string;
  lockMode?: string;
  lockUntilMs?: number;
  legalHold?: boolean;
  /** Names of the S3 checksums stored with the version (CRC32, SHA256, …). */
  checksumAlgorithms: string[];
  ownerId: string;
  tagging?: string;
  crc64?: string;
}

export interface InventoryScan {
  prefix?: string;
  /** Current versions only (not delete markers), or every version and marker. */
  currentOnly: boolean;
  /** Resume after this row (listing order: key, then newest first). */
  after?: { key: string; seq: number };
  limit: number;
}

/** The last run of one inventory configuration. */
export interface InventoryRunRecord {
  lastStartedMs?: number;
  lastFinishedMs?: number;
  /** Key of the last report's manifest.json in the destination bucket. */
  lastManifestKey?: string;
  lastError?: string;
}

export interface InventoryStore {
  /** A page of a bucket's versions for a report, in listing order. */
  scanInventory(bucketId: number, scan: InventoryScan): Promise<InventoryRow[]>;
  getInventoryRun(bucketId: number, configId: string): Promise<InventoryRunRecord | undefined>;
  saveInventoryRun(bucketId: number, configId: string, run: InventoryRunRecord): Promise<void>;
}

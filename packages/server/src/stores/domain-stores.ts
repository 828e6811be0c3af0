/**
 * The local KMS key registry's storage (engine/kms.ts holds its rules): keys, whether each is
 * enabled, and the versions of its key material, every version wrapped (encrypted) by a key derived
 * from master.key, so the database alone never holds usable key material.
 */
export interface KmsKeyVersion {
  version: number;
  /** The material wrapped by the engine (AES-256-GCM, base64); the store never sees it in the clear. */
  wrapped: string;
  createdMs: number;
}

export interface KmsKeyRecord {
  keyId: string;
  description: string;
  enabled: boolean;
  createdMs: number;
  /** Oldest first; the last one seals new writes. */
  versions: KmsKeyVersion[];
}

export interface KmsKeyStore {
  createKey(key: KmsKeyRecord): Promise<void>;
  getKey(keyId: string): Promise<KmsKeyRecord | undefined>;
  listKeys(): Promise<KmsKeyRecord[]>;
  /** False when there is no such key. */
  setKeyEnabled(keyId: string, enabled: boolean): Promise<boolean>;
  /** Adds a version (rotation); false when there is no such key. */
  addKeyVersion(keyId: string, version: KmsKeyVersion): Promise<boolean>;
}

/** Last access of INTELLIGENT_TIERING versions (engine/intelligent-tiering.ts), by the version's seq. */
export interface ObjectAccessStore {
  /** When the version was last read; undefined: never since it was written. */
  lastAccess(seq: number): Promise<number | undefined>;
  /** Records a read (or a restore) at `nowMs`. */
  touch(version: { bucketId: number; key: string; seq: number }, nowMs: number): Promise<void>;
  /** Current INTELLIGENT_TIERING objects of a bucket: key, tags, size and last access (or write) time of each. */
  tieredObjects(bucketId: number): Promise<{ key: string; tagging?: string; size: number; lastAccessMs: number }[]>;
}

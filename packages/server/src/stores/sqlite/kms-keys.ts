import type { KmsKeyRecord, KmsKeyStore, KmsKeyVersion } from '../domain-stores.js';
import type { SqliteShared } from './sqlite-meta-store.js';

type KeyRow = { key_id: string; description: string; enabled: number; created_ms: number };
type VersionRow = { version: number; wrapped: string; created_ms: number };

/** KmsKeyStore on the metadata database (tables kms_keys, kms_key_versions: migration 19). */
export class SqliteKmsKeyStore implements KmsKeyStore {
  readonly #shared: SqliteShared;
  readonly #stmt;

  constructor(shared: SqliteShared) {
    this.#shared = shared;
    const db = shared.db;
    this.#stmt = {
      insertKey: db.prepare('INSERT INTO kms_keys (key_id, description, enabled, created_ms) VALUES (?, ?, ?, ?)'),
      insertVersion: db.prepare(
        'INSERT INTO kms_key_versions (key_id, version, wrapped, created_ms) VALUES (?, ?, ?, ?)',
      ),
      key: db.prepare('SELECT key_id, description, enabled, created_ms FROM kms_keys WHERE key_id = ?'),
      keys: db.prepare('SELECT key_id, description, enabled, created_ms FROM kms_keys ORDER BY created_ms, key_id'),
      versions: db.prepare(
        'SELECT version, wrapped, created_ms FROM kms_key_versions WHERE key_id = ? ORDER BY version',
      ),
      setEnabled: db.prepare('UPDATE kms_keys SET enabled = ? WHERE key_id = ?'),
    };
  }

  #record(row: KeyRow): KmsKeyRecord {
    const versions = (this.#stmt.versions.all(row.key_id) as VersionRow[]).map(
      (v): KmsKeyVersion => ({ version: v.version, wrapped: v.wrapped, createdMs: v.created_ms }),
    );
    return {
      keyId: row.key_id,
      description: row.description,
      enabled: row.enabled === 1,
      createdMs: row.created_ms,
      versions,
    };
  }

  createKey(key: KmsKeyRecord): Promise<void> {
    return this.#shared.write(() => {
      this.#stmt.insertKey.run(key.keyId, key.description, key.enabled ? 1 : 0, key.createdMs);
      for (const v of key.versions) this.#stmt.insertVersion.run(key.keyId, v.version, v.wrapped, v.createdMs);
    });
  }

  async getKey(keyId: string): Promise<KmsKeyRecord | undefined> {
    const row = this.#stmt.key.get(keyId) as KeyRow | undefined;
    return row && this.#record(row);
  }

  async listKeys(): Promise<KmsKeyRecord[]> {
    return (this.#stmt.keys.all() as KeyRow[]).map((row) => this.#record(row));
  }

  setKeyEnabled(keyId: string, enabled: boolean): Promise<boolean> {
    return this.#shared.write(() => this.#stmt.setEnabled.run(enabled ? 1 : 0, keyId).changes === 1);
  }

  addKeyVersion(keyId: string, version: KmsKeyVersion): Promise<boolean> {
    return this.#shared.write(() => {
      if (this.#stmt.key.get(keyId) === undefined) return false;
      this.#stmt.insertVersion.run(keyId, version.version, version.wrapped, version.createdMs);
      return true;
    });
  }
}

import type { KmsKeyRecord, KmsKeyStore, KmsKeyVersion } from '../domain-stores.js';
import { notifyChange } from './change-feed.js';
import type { PgDb } from './pg-db.js';

type KeyRow = { key_id: string; description: string; enabled: number; created_ms: number };
type VersionRow = { key_id: string; version: number; wrapped: string; created_ms: number };

/**
 * KmsKeyStore on PostgreSQL (tables kms_keys, kms_key_versions: migration 3), as sqlite/kms-keys.ts.
 * Enabling, disabling and rotating a key are announced on the change feed, so that no gateway keeps
 * using a key that was disabled through another (engine/kms.ts).
 */
export class PgKmsKeyStore implements KmsKeyStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
  }

  async #records(keys: KeyRow[]): Promise<KmsKeyRecord[]> {
    if (keys.length === 0) return [];
    const versions = await this.#db.read.rows<VersionRow>(
      'SELECT * FROM kms_key_versions WHERE key_id = ANY ($1::text[]) ORDER BY key_id, version',
      [keys.map((k) => k.key_id)],
    );
    return keys.map((row) => ({
      keyId: row.key_id,
      description: row.description,
      enabled: row.enabled === 1,
      createdMs: row.created_ms,
      versions: versions
        .filter((v) => v.key_id === row.key_id)
        .map((v): KmsKeyVersion => ({ version: v.version, wrapped: v.wrapped, createdMs: v.created_ms })),
    }));
  }

  createKey(key: KmsKeyRecord): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      await tx.run('INSERT INTO kms_keys (key_id, description, enabled, created_ms) VALUES ($1, $2, $3, $4)', [
        key.keyId,
        key.description,
        key.enabled ? 1 : 0,
        key.createdMs,
      ]);
      for (const v of key.versions) {
        await tx.run('INSERT INTO kms_key_versions (key_id, version, wrapped, created_ms) VALUES ($1, $2, $3, $4)', [
          key.keyId,
          v.version,
          v.wrapped,
          v.createdMs,
        ]);
      }
    });
  }

  async getKey(keyId: string): Promise<KmsKeyRecord | undefined> {
    const row = await this.#db.read.one<KeyRow>('SELECT * FROM kms_keys WHERE key_id = $1', [keyId]);
    return row && (await this.#records([row]))[0];
  }

  async listKeys(): Promise<KmsKeyRecord[]> {
    return this.#records(await this.#db.read.rows<KeyRow>('SELECT * FROM kms_keys ORDER BY created_ms, key_id'));
  }

  setKeyEnabled(keyId: string, enabled: boolean): Promise<boolean> {
    return this.#db.writes.run(async (tx) => {
      const changed =
        (await tx.run('UPDATE kms_keys SET enabled = $1 WHERE key_id = $2', [enabled ? 1 : 0, keyId])) === 1;
      if (changed) await notifyChange(tx, { kind: 'kms-key', keyId });
      return changed;
    });
  }

  addKeyVersion(keyId: string, version: KmsKeyVersion): Promise<boolean> {
    return this.#db.writes.run(async (tx) => {
      // FOR UPDATE: two rotations of one key through different gateways take turns.
      if (!(await tx.one('SELECT 1 FROM kms_keys WHERE key_id = $1 FOR UPDATE', [keyId]))) return false;
      await tx.run('INSERT INTO kms_key_versions (key_id, version, wrapped, created_ms) VALUES ($1, $2, $3, $4)', [
        keyId,
        version.version,
        version.wrapped,
        version.createdMs,
      ]);
      await notifyChange(tx, { kind: 'kms-key', keyId });
      return true;
    });
  }
}

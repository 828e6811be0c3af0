import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { S3Error } from '@coffer/protocol';
import type { KmsKeyRecord, KmsKeyStore } from '../stores/domain-stores.js';
import type { ChangeFeed } from '../stores/types.js';

/**
 * The local key registry behind SSE-KMS (S3 `aws:kms`, COS `cos/kms`): Coffer's stand-in for AWS
 * KMS / Tencent Cloud KMS. A key is an id, an enabled flag and versions of 32 bytes of key material;
 * the material is stored wrapped (AES-256-GCM) by a key derived from master.key, so the database
 * alone holds nothing usable. Rotation adds a version: new writes seal under it, objects sealed
 * under an older one stay readable (as KMS keeps a rotated key's backing keys). A disabled key
 * seals nothing and unseals nothing: S3 answers such reads with KMS.DisabledException.
 * S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html ;
 * COS: https://www.tencentcloud.com/document/product/436/18145
 */

/** The key `aws:kms` / `cos/kms` without a key id uses (S3's AWS managed key `aws/s3`), created on first use. */
export const DEFAULT_KMS_KEY_ID = '00000000-0000-4000-8000-00000000c0ff';
const DEFAULT_ALIASES = new Set(['alias/aws/s3', 'aws/s3', 'alias/cos/kms']);

export interface KmsKeyInfo {
  keyId: string;
  arn: string;
  description: string;
  enabled: boolean;
  created: string;
  /** The material version new writes use. */
  currentVersion: number;
  versions: number;
}

interface CachedKey {
  enabled: boolean;
  current: number;
  materials: Map<number, Buffer>;
}

export class Kms {
  readonly #store: KmsKeyStore;
  readonly #wrapKey: Buffer;
  readonly #arnPrefix: string;
  readonly #nowMs: () => number;
  /**
   * Unwrapped keys by id; every change through this object replaces its entry, and so does one made
   * through another gateway (`changes`).
   */
  readonly #cache = new Map<string, CachedKey>();

  constructor(options: {
    store: KmsKeyStore;
    wrapKey: Buffer;
    region: string;
    accountId: string;
    nowMs: () => number;
    /** Changes committed through other gateways sharing the store (none with one server). */
    changes?: ChangeFeed | undefined;
  }) {
    this.#store = options.store;
    options.changes?.subscribe((change) => {
      if (change.kind === 'kms-key') this.#cache.delete(change.keyId);
      else if (change.kind === 'all') this.#cache.clear();
    });
    this.#wrapKey = options.wrapKey;
    this.#arnPrefix = `arn:aws:kms:${options.region}:${options.accountId}:key/`;
    this.#nowMs = options.nowMs;
  }

  arn(keyId: string): string {
    return `${this.#arnPrefix}${keyId}`;
  }

  /** A key id from what a client names: the id, its ARN (any region or account), or the default's alias. */
  normalizeKeyId(name: string): string {
    const trimmed = name.trim();
    if (DEFAULT_ALIASES.has(trimmed)) return DEFAULT_KMS_KEY_ID;
    const arn = /^arn:[^:]+:kms:[^:]*:[^:]*:key\/(.+)$/.exec(trimmed);
    return arn ? arn[1]! : trimmed;
  }

  #wrap(keyId: string, version: number, material: Buffer): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#wrapKey, iv);
    cipher.setAAD(Buffer.from(`${keyId}:${version}`));
    const sealed = Buffer.concat([cipher.update(material), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  }

  #unwrap(keyId: string, version: number, wrapped: string): Buffer {
    const bytes = Buffer.from(wrapped, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.#wrapKey, bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(`${keyId}:${version}`));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
  }

  #info(record: KmsKeyRecord): KmsKeyInfo {
    return {
      keyId: record.keyId,
      arn: this.arn(record.keyId),
      description: record.description,
      enabled: record.enabled,
      created: new Date(record.createdMs).toISOString(),
      currentVersion: record.versions.at(-1)?.version ?? 0,
      versions: record.versions.length,
    };
  }

  async createKey(description = '', keyId: string = randomUUID()): Promise<KmsKeyInfo> {
    const createdMs = this.#nowMs();
    const record: KmsKeyRecord = {
      keyId,
      description,
      enabled: true,
      createdMs,
      versions: [{ version: 1, wrapped: this.#wrap(keyId, 1, randomBytes(32)), createdMs }],
    };
    await this.#store.createKey(record);
    return this.#info(record);
  }

  async listKeys(): Promise<KmsKeyInfo[]> {
    return (await this.#store.listKeys()).map((r) => this.#info(r));
  }

  async describeKey(name: string): Promise<KmsKeyInfo> {
    return this.#info(await this.#record(this.normalizeKeyId(name)));
  }

  async setEnabled(name: string, enabled: boolean): Promise<KmsKeyInfo> {
    const keyId = this.normalizeKeyId(name);
    await this.#record(keyId);
    await this.#store.setKeyEnabled(keyId, enabled);
    this.#cache.delete(keyId);
    return this.describeKey(keyId);
  }

  /** Adds a material version; new writes seal under it. */
  async rotateKey(name: string): Promise<KmsKeyInfo> {
    const keyId = this.normalizeKeyId(name);
    const record = await this.#record(keyId);
    const version = (record.versions.at(-1)?.version ?? 0) + 1;
    await this.#store.addKeyVersion(keyId, {
      version,
      wrapped: this.#wrap(keyId, version, randomBytes(32)),
      createdMs: this.#nowMs(),
    });
    this.#cache.delete(keyId);
    return this.describeKey(keyId);
  }

  async #record(keyId: string): Promise<KmsKeyRecord> {
    let record = await this.#store.getKey(keyId);
    if (!record && keyId === DEFAULT_KMS_KEY_ID) {
      await this.createKey('Default key of SSE-KMS writes that name none (aws/s3)', DEFAULT_KMS_KEY_ID).catch(() => {});
      record = await this.#store.getKey(keyId);
    }
    if (!record) throw new S3Error('KMS.NotFoundException', `Invalid keyId ${keyId}`);
    return record;
  }

  async #cached(keyId: string): Promise<CachedKey> {
    const hit = this.#cache.get(keyId);
    if (hit) return hit;
    const record = await this.#record(keyId);
    const entry: CachedKey = {
      enabled: record.enabled,
      current: record.versions.at(-1)!.version,
      materials: new Map(record.versions.map((v) => [v.version, this.#unwrap(keyId, v.version, v.wrapped)])),
    };
    this.#cache.set(keyId, entry);
    return entry;
  }

  #disabled(keyId: string): S3Error {
    return new S3Error('KMS.DisabledException', `${this.arn(keyId)} is disabled.`);
  }

  /** The key and material version a new write seals under (the key's newest); refuses a disabled key. */
  async keyForWrite(name: string | undefined): Promise<{ keyId: string; version: number }> {
    const keyId = name === undefined ? DEFAULT_KMS_KEY_ID : this.normalizeKeyId(name);
    const key = await this.#cached(keyId);
    if (!key.enabled) throw this.#disabled(keyId);
    return { keyId, version: key.current };
  }

  /** The material of one version of a key, to seal or unseal with; refuses a disabled key. */
  async material(keyId: string, version: number): Promise<Buffer> {
    const key = await this.#cached(keyId);
    if (!key.enabled) throw this.#disabled(keyId);
    const material = key.materials.get(version);
    if (!material) throw new S3Error('KMS.NotFoundException', `Key ${keyId} has no material version ${version}.`);
    return material;
  }
}

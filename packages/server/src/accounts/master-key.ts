import { hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * `<data>/master.key`: 32 random bytes, the root of every key Coffer derives (secrets at rest, STS
 * tokens, the keys of encrypted objects).
 */
export const MASTER_KEY_FILE = 'master.key';
const MASTER_KEY_BYTES = 32;

export interface MasterKey {
  key: Buffer;
  /** True when the file was created by this call (first start). */
  created: boolean;
  /** True when group or other may read the file (it should be 0600). */
  looseMode: boolean;
}

/**
 * Loads the master key, creating it (mode 0600, exclusively, so two processes starting at once
 * agree on one key) on first start. Losing or replacing it makes stored access-key secrets
 * undecryptable, every object stored with server-side encryption unreadable, and every STS token
 * invalid, so it belongs in backups with the database.
 */
export async function loadOrCreateMasterKey(dataDir: string): Promise<MasterKey> {
  const file = path.join(dataDir, MASTER_KEY_FILE);
  let created = false;
  try {
    await fs.writeFile(file, randomBytes(MASTER_KEY_BYTES), { mode: 0o600, flag: 'wx' });
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const [key, stat] = await Promise.all([fs.readFile(file), fs.stat(file)]);
  if (key.length !== MASTER_KEY_BYTES) {
    throw new Error(
      `${file} must hold exactly ${MASTER_KEY_BYTES} bytes (it has ${key.length}); restore it from a backup`,
    );
  }
  return { key, created, looseMode: (stat.mode & 0o077) !== 0 };
}

/** What a derived key is for; each purpose gets an independent key (HKDF-SHA256, RFC 5869). */
export type KeyPurpose = 'secrets-at-rest' | 'sts-token' | 'sts-secret' | 'blob-seal' | 'kms-wrap';

export function deriveKey(master: Buffer, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `coffer/${purpose}/v1`, 32));
}

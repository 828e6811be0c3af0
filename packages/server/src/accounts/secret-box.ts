import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Access-key secrets at rest: AES-256-GCM with a random 96-bit IV, the secret id as additional
 * authenticated data (a ciphertext copied onto another key's row does not decrypt), stored as
 * `v1.<iv>.<ciphertext>.<tag>` in base64url.
 */
const VERSION = 'v1';

export function sealSecret(key: Buffer, secretId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(secretId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [VERSION, iv, ciphertext, cipher.getAuthTag()]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** Throws when the box was not sealed for this id with this key (a replaced master.key, a tampered row). */
export function openSecret(key: Buffer, secretId: string, sealed: string): string {
  const [version, iv, ciphertext, tag] = sealed.split('.');
  if (version !== VERSION || iv === undefined || ciphertext === undefined || tag === undefined) {
    throw new Error(`access key ${secretId}: unknown secret format`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(secretId, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`access key ${secretId}: the secret does not decrypt; was master.key replaced?`);
  }
}

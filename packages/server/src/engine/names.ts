import { S3Error } from '@coffer/protocol';

/** Longest key S3 accepts, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;
/** Largest total of user metadata names and values (COS and S3: 2 KB). */
export const MAX_USER_META_BYTES = 2048;

/**
 * Bucket names: the S3 rules (3–63 characters of a-z 0-9 . -, starting and ending with a letter or
 * digit, no '..', not an IP address), which COS's `<name>-<appid>` form also satisfies. '-' and
 * everything under /-/ are Coffer's own paths, and no valid name can collide with them.
 */
export function validateBucketName(name: string): void {
  const ok =
    name.length >= 3 &&
    name.length <= 63 &&
    /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !name.includes('.-') &&
    !name.includes('-.') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name);
  if (!ok) {
    throw new S3Error(
      'InvalidBucketName',
      `The specified bucket name "${name}" is not valid: use 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit.`,
    );
  }
}

export function validateKey(key: string): void {
  if (key === '') throw new S3Error('InvalidArgument', 'The object key must not be empty.');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw new S3Error('KeyTooLongError', `Your key is too long: at most ${MAX_KEY_BYTES} bytes of UTF-8.`);
  }
}

export function validateUserMeta(meta: Record<string, string>): void {
  let bytes = 0;
  for (const [name, value] of Object.entries(meta)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  if (bytes > MAX_USER_META_BYTES) {
    throw new S3Error(
      'MetadataTooLarge',
      `Your metadata headers total ${bytes} bytes; the limit is ${MAX_USER_META_BYTES} bytes.`,
    );
  }
}

/** Storage classes Coffer accepts: COS's names and S3's. Stored and returned upper-case. */
export const STORAGE_CLASSES = new Set([
  'STANDARD',
  'STANDARD_IA',
  'ARCHIVE',
  'DEEP_ARCHIVE',
  'INTELLIGENT_TIERING',
  'MAZ_STANDARD',
  'MAZ_STANDARD_IA',
  'MAZ_INTELLIGENT_TIERING',
  'MAZ_ARCHIVE',
  'REDUCED_REDUNDANCY',
  'ONEZONE_IA',
  'GLACIER',
  'GLACIER_IR',
  'EXPRESS_ONEZONE',
]);

/** Normalises a storage class header (COS SDKs also send 'Standard', 'Standard_IA'); undefined → STANDARD. */
export function normalizeStorageClass(value: string | undefined): string {
  if (value === undefined || value === '') return 'STANDARD';
  const upper = value.toUpperCase();
  if (!STORAGE_CLASSES.has(upper)) {
    throw new S3Error('InvalidStorageClass', `The storage class you specified is not valid: ${value}`);
  }
  return upper;
}

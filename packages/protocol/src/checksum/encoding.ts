/**
 * How checksums look on the wire. S3 sends `x-amz-checksum-<algorithm>` as the base64 of the big-endian digest bytes;
 * COS sends `x-cos-hash-crc64ecma` as an unsigned decimal string.
 */

/** The S3 flexible-checksum algorithms, as spelled in `x-amz-checksum-algorithm` / `x-amz-sdk-checksum-algorithm`. */
export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;

export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** Digest length in bytes of each algorithm. */
export const CHECKSUM_DIGEST_BYTES = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
} as const satisfies Record<ChecksumAlgorithm, number>;

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      BASE64_ALPHABET[v >>> 18]! +
      BASE64_ALPHABET[(v >>> 12) & 63]! +
      BASE64_ALPHABET[(v >>> 6) & 63]! +
      BASE64_ALPHABET[v & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i]! << 16;
    out += BASE64_ALPHABET[v >>> 18]! + BASE64_ALPHABET[(v >>> 12) & 63]! + '==';
  } else if (rest === 2) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += BASE64_ALPHABET[v >>> 18]! + BASE64_ALPHABET[(v >>> 12) & 63]! + BASE64_ALPHABET[(v >>> 6) & 63]! + '=';
  }
  return out;
}

function bigEndianBytes(algorithm: ChecksumAlgorithm, value: number | bigint, size: number): Uint8Array {
  if (typeof value === 'number') {
    if (size > 4) throw new TypeError(`${algorithm} needs a bigint or the digest bytes: a number cannot hold 64 bits`);
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new RangeError(`${algorithm} must be an unsigned 32-bit integer, got ${value}`);
    }
    value = BigInt(value);
  }
  if (value < 0n || value >= 1n << BigInt(size * 8)) {
    throw new RangeError(`${algorithm} must be an unsigned ${size * 8}-bit integer, got ${value}`);
  }
  const bytes = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return bytes;
}

/**
 * Renders a digest as an `x-amz-checksum-*` header value: base64 of its big-endian bytes. CRCs may be given as the
 * number (CRC32, CRC32C) or bigint (any CRC) that the crc functions return; SHA digests as their bytes.
 *
 * @example
 * checksumBase64('CRC32', crc32(new Uint8Array())); // 'AAAAAA=='
 * checksumBase64('CRC64NVME', crc64nvme(new TextEncoder().encode('123456789'))); // 'rosUhgp5mIg='
 * checksumBase64('SHA256', new Uint8Array(await crypto.subtle.digest('SHA-256', body)));
 */
export function checksumBase64(algorithm: ChecksumAlgorithm, value: number | bigint | Uint8Array): string {
  const size: number | undefined = CHECKSUM_DIGEST_BYTES[algorithm];
  if (size === undefined) throw new TypeError(`unknown checksum algorithm ${String(algorithm)}`);
  if (value instanceof Uint8Array) {
    if (value.length !== size) throw new RangeError(`${algorithm} digest is ${size} bytes, got ${value.length}`);
    return base64(value);
  }
  if (algorithm === 'SHA1' || algorithm === 'SHA256') {
    throw new TypeError(`${algorithm} digest must be given as bytes (Uint8Array)`);
  }
  return base64(bigEndianBytes(algorithm, value, size));
}

/**
 * Renders a CRC-64 as COS's `x-cos-hash-crc64ecma` value: unsigned decimal, no padding.
 *
 * @example
 * crc64ToDecimal(crc64(new TextEncoder().encode('123456789'))); // '11051210869376104954'
 */
export function crc64ToDecimal(v: bigint): string {
  if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) {
    throw new RangeError(`a CRC-64 must be an unsigned 64-bit bigint, got ${String(v)}`);
  }
  return v.toString(10);
}

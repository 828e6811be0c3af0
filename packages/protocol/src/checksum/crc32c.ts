/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the S3 `x-amz-checksum-crc32c`.
 */
import { createReflectedCrc32 } from './crc32.js';

const CASTAGNOLI = createReflectedCrc32(0x82f63b78);

/**
 * CRC-32C of `data`, continuing from `prev`.
 *
 * @example
 * crc32c(new TextEncoder().encode('123456789')); // 0xe3069283
 */
export function crc32c(data: Uint8Array, prev = 0): number {
  return CASTAGNOLI.update(data, prev);
}

/** CRC-32C of A‖B from the CRCs of A and B and the byte length of B, in O(log lengthB) time. */
export function crc32cCombine(crcA: number, crcB: number, lengthB: number): number {
  return CASTAGNOLI.combine(crcA, crcB, lengthB);
}

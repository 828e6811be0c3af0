/**
 * CRC-64/NVME, the S3 `x-amz-checksum-crc64nvme`: reflected polynomial 0x9A6C9329AC4BC9B5, init and xorout all ones.
 * Not the same CRC as COS's CRC-64/XZ (`crc64`), only the same shape.
 */
import { createReflectedCrc64 } from './crc64.js';

const NVME = createReflectedCrc64(0x9a6c9329, 0xac4bc9b5);

/**
 * CRC-64/NVME of `data`, continuing from `prev`. S3 sends it base64-encoded: see `checksumBase64('CRC64NVME', …)`.
 *
 * @example
 * crc64nvme(new TextEncoder().encode('123456789')); // 0xae8b14860a799888n
 */
export function crc64nvme(data: Uint8Array, prev = 0n): bigint {
  return NVME.update(data, prev);
}

/** CRC-64/NVME of A‖B from the CRCs of A and B and the byte length of B, in O(log lengthB) time. */
export function crc64nvmeCombine(crcA: bigint, crcB: bigint, lengthB: number): bigint {
  return NVME.combine(crcA, crcB, lengthB);
}

export { crc32, crc32Combine } from './crc32.js';
export { crc32c, crc32cCombine } from './crc32c.js';
export { crc64, crc64Combine } from './crc64.js';
export { crc64nvme, crc64nvmeCombine } from './crc64nvme.js';
export {
  CHECKSUM_ALGORITHMS,
  CHECKSUM_DIGEST_BYTES,
  type ChecksumAlgorithm,
  checksumBase64,
  crc64ToDecimal,
} from './encoding.js';

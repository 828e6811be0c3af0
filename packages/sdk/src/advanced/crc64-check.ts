/**
 * The CRC-64 checks of sliceUploadFile. COS answers UploadPart with the part's CRC-64/ECMA-182 in
 * `x-cos-hash-crc64ecma`, "which you can compare against the locally calculated CRC64 value to verify the part
 * integrity", and Complete with the whole object's when every part has one (COS "CRC64 Check",
 * https://www.tencentcloud.com/document/product/436/34078). The local CRC is taken from the bytes the transport
 * writes, so each part is read once; the whole object's is combined from the parts' (O(log n) per part) rather
 * than read again.
 */
import { crc64Combine } from '@coffer/protocol';
import { S3ServiceError, SDK_ERROR_CODES } from '../errors.js';

/** CRC-64/ECMA-182 (XZ) of `data`, continuing from `prev`: @coffer/protocol's, or @coffer/native's on Node. */
export type Crc64Function = (data: Uint8Array, prev?: bigint) => bigint;

/**
 * The CRC-64 of one request body as it is sent, fed by the transport's `onBodyChunk`. A chunk at offset 0 starts
 * again (a retried attempt); a gap leaves no value (nothing is claimed about bytes not seen).
 *
 * @example
 * const sent = new SentCrc64(crc64);
 * await uploadPart(core, { ...part, onBodyChunk: sent.update });
 * sent.value(part.sizeBytes); // undefined when the transport did not show every byte (browsers)
 */
export class SentCrc64 {
  #value = 0n;
  #bytes = 0;

  constructor(private readonly crc64: Crc64Function) {}

  readonly update = (chunk: Uint8Array, offset: number): void => {
    if (offset === 0) {
      this.#value = 0n;
      this.#bytes = 0;
    }
    if (offset !== this.#bytes) {
      this.#bytes = Number.NaN;
      return;
    }
    this.#value = this.crc64(chunk, this.#value);
    this.#bytes += chunk.length;
  };

  /** The CRC of the body when exactly `sizeBytes` bytes were seen, in order. */
  value(sizeBytes: number): bigint | undefined {
    return this.#bytes === sizeBytes ? this.#value : undefined;
  }
}

/** The server's `x-cos-hash-crc64ecma` (an unsigned decimal), or undefined when it sent none (S3, old objects). */
export function answeredCrc64(headers: Record<string, string> | undefined): bigint | undefined {
  const text = headers?.['x-cos-hash-crc64ecma'];
  return text !== undefined && /^\d{1,20}$/.test(text) ? BigInt(text) : undefined;
}

/** The CRC-64 of the parts laid end to end, from each part's CRC and size. */
export function combinedCrc64(parts: Iterable<{ crc64: bigint; sizeBytes: number }>): bigint {
  let crc = 0n;
  for (const part of parts) crc = crc64Combine(crc, part.crc64, part.sizeBytes);
  return crc;
}

/** The error for a server's CRC that differs from the local one. */
export function crc64MismatchError(
  what: string,
  local: bigint,
  answered: bigint,
  headers: Record<string, string> | undefined,
): S3ServiceError {
  const requestId = headers?.['x-cos-request-id'];
  return new S3ServiceError({
    code: SDK_ERROR_CODES.crc64Mismatch,
    message: `${what}: the server's x-cos-hash-crc64ecma is ${answered}, the local data's is ${local}`,
    ...(headers ? { headers } : {}),
    ...(requestId ? { requestId } : {}),
  });
}

/**
 * Checksums for the server's hot path. The C addon (build/Release/coffer_native.node, built by this package's install
 * script) computes CRC-64/XZ with PCLMULQDQ at several GB/s; the server runs it over every uploaded byte on the main
 * thread next to MD5, where the JavaScript version would be the bottleneck. When the addon is missing (build failed,
 * unsupported platform) every function falls back to the identical JavaScript one from @coffer/protocol.
 *
 * The exports are the addon's functions themselves, not wrappers, to keep the per-call cost (one per ~64 KiB chunk) low.
 */
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import {
  crc32 as jsCrc32,
  crc32c as jsCrc32c,
  crc64 as jsCrc64,
  crc64Combine as jsCrc64Combine,
  crc64nvme as jsCrc64nvme,
} from '@coffer/protocol';

/** The addon's exports; see src/binding.c. */
interface Binding {
  crc64(data: Uint8Array, prev?: bigint): bigint;
  crc64Combine(crcA: bigint, crcB: bigint, lengthB: number): bigint;
  crc64nvme(data: Uint8Array, prev?: bigint): bigint;
  crc32c(data: Uint8Array, prev?: number): number;
  implementation(): { crc64: 'pclmul' | 'table'; crc32c: 'sse4.2' | 'table' };
  /** Test hook: route every call to the table code. Not thread-safe. */
  _forceGeneric(on: boolean): void;
  aes256CtrXor?(key: Uint8Array, offset: number, data: Uint8Array): void;
}

/** Which code computes each checksum, for the server's startup log. */
export interface NativeImplementation {
  crc64: 'pclmul' | 'table' | 'js';
  crc32c: 'sse4.2' | 'table' | 'js';
  crc32: 'zlib' | 'js';
  /** Why the addon did not load, when it did not. */
  loadError?: string;
}

let binding: Binding | undefined;
let loadError: string | undefined;
try {
  // Same relative path from src/ (tests) and dist/ (runtime).
  binding = createRequire(import.meta.url)('../build/Release/coffer_native.node') as Binding;
} catch (error) {
  loadError = error instanceof Error ? error.message : String(error);
}

// node:zlib has crc32 from Node 20.15; `import *` so an older Node does not fail to link a missing named export.
const zlibCrc32 = typeof zlib.crc32 === 'function' ? zlib.crc32 : undefined;

/** True when the C addon loaded; false means every function here is the JavaScript fallback. */
export const nativeLoaded: boolean = binding !== undefined;

export const nativeImplementation: Readonly<NativeImplementation> = Object.freeze({
  ...(binding ? binding.implementation() : { crc64: 'js', crc32c: 'js' }),
  crc32: zlibCrc32 ? 'zlib' : 'js',
  ...(loadError === undefined ? {} : { loadError }),
});

/**
 * CRC-64/XZ (COS `x-cos-hash-crc64ecma`) of `data`, continuing from `prev` (taken mod 2^64).
 *
 * @example
 * let crc = 0n;
 * for await (const chunk of body) crc = crc64(chunk, crc);
 * headers['x-cos-hash-crc64ecma'] = crc64ToDecimal(crc);
 */
export const crc64: (data: Uint8Array, prev?: bigint) => bigint = binding?.crc64 ?? jsCrc64;

/**
 * CRC-64/XZ of A‖B from the CRCs of A and B and B's byte length, in O(log lengthB) time (multipart completion).
 *
 * @example
 * const whole = parts.reduce((crc, part) => crc64Combine(crc, part.crc64, part.sizeBytes), 0n);
 */
export const crc64Combine: (crcA: bigint, crcB: bigint, lengthB: number) => bigint =
  binding?.crc64Combine ?? jsCrc64Combine;

/** CRC-64/NVME (S3 `x-amz-checksum-crc64nvme`) of `data`, continuing from `prev` (taken mod 2^64). */
export const crc64nvme: (data: Uint8Array, prev?: bigint) => bigint = binding?.crc64nvme ?? jsCrc64nvme;

/** CRC-32C (S3 `x-amz-checksum-crc32c`) of `data`, continuing from `prev`. Uses SSE4.2 when the CPU has it. */
export const crc32c: (data: Uint8Array, prev?: number) => number = binding?.crc32c ?? jsCrc32c;

/** CRC-32 (S3 `x-amz-checksum-crc32`, as zlib) of `data`, continuing from `prev`: node:zlib's, else JavaScript. */
export const crc32: (data: Uint8Array, prev?: number) => number = zlibCrc32 ?? jsCrc32;

/**
 * A running CRC-64/XZ over a stream of chunks.
 *
 * @example
 * const hash = new Crc64();
 * for await (const chunk of body) hash.update(chunk);
 * hash.digest(); // bigint, render with crc64ToDecimal
 * new Crc64(previousCrc); // continue an appendable object
 */
export class Crc64 {
  #value: bigint;

  constructor(prev = 0n) {
    this.#value = BigInt.asUintN(64, prev);
  }

  update(chunk: Uint8Array): this {
    this.#value = crc64(chunk, this.#value);
    return this;
  }

  digest(): bigint {
    return this.#value;
  }
}

/**
 * AES-256-CTR in place: XORs `data` with the key stream of `key` from byte `offset` of the stream
 * (counter block = the 128-bit big-endian index offset / 16, the first offset % 16 bytes of its key
 * stream skipped), through the OpenSSL inside Node. Encrypts and decrypts alike. Undefined when the
 * addon did not load (or predates it): use node:crypto's Decipher then, which returns a new buffer
 * per call instead of working where the bytes lie.
 *
 * @example
 * const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
 * aes256CtrXor?.(blobKey, position, buffer.subarray(0, bytesRead)); // buffer now holds plaintext
 */
export const aes256CtrXor: ((key: Uint8Array, offset: number, data: Uint8Array) => void) | undefined =
  binding?.aes256CtrXor;

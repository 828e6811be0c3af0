import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { CryptoLike, SignHashAlgorithm } from '@coffer/protocol';

/** A hash fed piece by piece, for bodies that stream (aws-chunked chunks, x-amz-content-sha256). */
export interface IncrementalHash {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

/** `CryptoLike` plus incremental hashing, which only the server's stream verifiers need. */
export interface StreamingCryptoLike extends CryptoLike {
  createHash(alg: SignHashAlgorithm): IncrementalHash;
}

/** The node:crypto implementation the server hands to @coffer/protocol's signing functions. */
export const nodeCrypto: StreamingCryptoLike = {
  hmac: (alg, key, data) => createHmac(alg, key).update(data).digest(),
  hash: (alg, data) => createHash(alg).update(data).digest(),
  createHash(alg) {
    const h = createHash(alg);
    return {
      update: (data) => void h.update(data),
      digest: () => h.digest(),
    };
  },
};

/**
 * Compares two signatures without leaking, through timing, how long a prefix matched. Lengths are not secret (every
 * signature of a scheme has the same length), so a length mismatch returns early.
 */
export function signaturesEqual(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

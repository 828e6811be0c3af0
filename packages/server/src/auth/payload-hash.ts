import { Transform, type TransformCallback } from 'node:stream';
import { S3Error, signHex } from '@coffer/protocol';
import { nodeCrypto, type StreamingCryptoLike } from './node-crypto.js';

/**
 * Passes the body through unchanged while hashing it; at the end, fails with XAmzContentSHA256Mismatch unless the
 * SHA-256 equals what the client signed in x-amz-content-sha256. Put it before the blob writer's commit.
 *
 * @example
 * await pipeline(req, createSha256Verifier(auth.payload.expectedHex), blobWriter);
 */
export function createSha256Verifier(expectedHex: string, crypto: StreamingCryptoLike = nodeCrypto): Transform {
  const hash = crypto.createHash('sha256');
  const expected = expectedHex.toLowerCase();
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      const actual = signHex(hash.digest());
      if (actual === expected) return callback();
      callback(
        new S3Error('XAmzContentSHA256Mismatch', undefined, {
          details: { ClientComputedContentSHA256: expected, S3ComputedContentSHA256: actual },
        }),
      );
    },
  });
}

import { PassThrough, type Transform } from 'node:stream';
import { type AwsChunkedDecoder, createAwsChunkedDecoder } from './aws-chunked.js';
import { nodeCrypto, type StreamingCryptoLike } from './node-crypto.js';
import { createSha256Verifier } from './payload-hash.js';
import type { PayloadVerification } from './types.js';

/**
 * The body stage `authenticate`'s result asks for: a PassThrough, a SHA-256 verifier, or an aws-chunked decoder
 * (whose `trailers()` the caller reads after the pipeline finishes).
 *
 * @example
 * const verifier = createPayloadVerifier(auth.payload);
 * await pipeline(req, verifier, limiter, blobWriter);
 */
export function createPayloadVerifier(
  payload: PayloadVerification,
  crypto: StreamingCryptoLike = nodeCrypto,
): Transform | AwsChunkedDecoder {
  switch (payload.kind) {
    case 'none':
      return new PassThrough();
    case 'sha256':
      return createSha256Verifier(payload.expectedHex, crypto);
    case 'aws-chunked':
      return createAwsChunkedDecoder(payload, crypto);
  }
}

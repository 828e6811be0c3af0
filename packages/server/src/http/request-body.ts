import type { IncomingMessage } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import { createAwsChunkedDecoder, createSha256Verifier, nodeCrypto } from '../auth/index.js';
import type { PayloadVerification } from '../auth/types.js';

/**
 * Wraps the raw request in what its authentication demands: a SHA-256 check of a signed payload,
 * or aws-chunked de-framing with chunk signatures and trailers. Anything else passes untouched.
 */
export function openRequestBody(
  req: IncomingMessage,
  payload: PayloadVerification,
): { stream: Readable; trailers(): Record<string, string> } {
  if (payload.kind === 'sha256') {
    const verifier = createSha256Verifier(payload.expectedHex);
    return { stream: pipeline(req, verifier, () => {}), trailers: () => ({}) };
  }
  if (payload.kind === 'aws-chunked') {
    const decoder = createAwsChunkedDecoder(payload, nodeCrypto);
    return { stream: pipeline(req, decoder, () => {}), trailers: () => decoder.trailers() };
  }
  return { stream: req, trailers: () => ({}) };
}

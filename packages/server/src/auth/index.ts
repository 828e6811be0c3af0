export { authenticate } from './authenticate.js';
export { type AwsChunkedDecoder, type AwsChunkedPayload, createAwsChunkedDecoder } from './aws-chunked.js';
export { DEFAULT_MAX_SKEW_MS } from './common.js';
export { type IncrementalHash, nodeCrypto, type StreamingCryptoLike, signaturesEqual } from './node-crypto.js';
export { createSha256Verifier } from './payload-hash.js';
export { createPayloadVerifier } from './payload-verifier.js';
export type * from './types.js';

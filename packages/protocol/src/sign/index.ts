export * from './cos.js';
export type { CryptoLike, SignHashAlgorithm } from './crypto-like.js';
export { signBase64, signHex } from './crypto-like.js';
export * from './query.js';
export * from './sigv2.js';
export * from './sigv4.js';

/**
 * The hash primitives the signers need, injected so that protocol stays free of `node:*` imports (it is bundled for
 * browsers too). The server passes a node:crypto implementation (`nodeCrypto` in @coffer/server auth); a browser
 * build can pass a synchronous JS implementation. Strings are hashed as UTF-8.
 *
 * @example
 * import { createHash, createHmac } from 'node:crypto';
 * const crypto: CryptoLike = {
 *   hmac: (alg, key, data) => createHmac(alg, key).update(data).digest(),
 *   hash: (alg, data) => createHash(alg).update(data).digest(),
 * };
 */
export interface CryptoLike {
  hmac(alg: SignHashAlgorithm, key: Uint8Array | string, data: Uint8Array | string): Uint8Array;
  hash(alg: SignHashAlgorithm, data: Uint8Array | string): Uint8Array;
}

export type SignHashAlgorithm = 'sha1' | 'sha256';

const HEX_DIGITS = '0123456789abcdef';
/** Node's Buffer where there is one (protocol is bundled for browsers too, without it). */
const NodeBuffer = (globalThis as { Buffer?: { isBuffer(value: unknown): boolean } }).Buffer;

/** Lower-case hex, as every signature scheme here prints digests. */
export function signHex(bytes: Uint8Array): string {
  // Node's Buffer prints hex natively (what node:crypto digests are); the loop serves browsers.
  if (NodeBuffer?.isBuffer(bytes)) return (bytes as Uint8Array & { toString(encoding: 'hex'): string }).toString('hex');
  let out = '';
  for (const b of bytes) out += HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 15]!;
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding (SigV2 prints its HMAC this way). */
export function signBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return out;
}

/**
 * SHA-1 and HMAC-SHA1 in plain TypeScript: the COS q-sign signature is HMAC-SHA1, and `cosSign` needs it
 * synchronously (WebCrypto is asynchronous). Signatures hash a few hundred bytes, so speed does not matter here.
 */

const encoder = new TextEncoder();

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

/**
 * SHA-1 of `data` (strings as UTF-8).
 *
 * @example
 * sha1('abc'); // Uint8Array(20) a9993e36…
 */
export function sha1(data: Uint8Array | string): Uint8Array {
  const bytes = toBytes(data);
  const bitLength = bytes.length * 8;
  const padded = new Uint8Array(((bytes.length + 9 + 63) >> 6) << 6);
  padded.set(bytes);
  padded[bytes.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLength / 2 ** 32));
  view.setUint32(padded.length - 4, bitLength >>> 0);

  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  const w = new Int32Array(80);
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getInt32(offset + i * 4);
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  const out = new Uint8Array(20);
  const outView = new DataView(out.buffer);
  [h0, h1, h2, h3, h4].forEach((h, i) => {
    outView.setInt32(i * 4, h);
  });
  return out;
}

/**
 * HMAC-SHA1 (RFC 2104).
 *
 * @example
 * hmacSha1('key', 'The quick brown fox jumps over the lazy dog'); // de7c9b85…
 */
export function hmacSha1(key: Uint8Array | string, data: Uint8Array | string): Uint8Array {
  let k = toBytes(key);
  if (k.length > 64) k = sha1(k);
  const inner = new Uint8Array(64 + toBytes(data).length);
  const outer = new Uint8Array(64 + 20);
  for (let i = 0; i < 64; i++) {
    const byte = k[i] ?? 0;
    inner[i] = byte ^ 0x36;
    outer[i] = byte ^ 0x5c;
  }
  inner.set(toBytes(data), 64);
  outer.set(sha1(inner), 64);
  return sha1(outer);
}

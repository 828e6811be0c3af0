/**
 * MD5 (RFC 1321) in plain TypeScript, incremental, for browsers: WebCrypto has no MD5, and COS needs it for
 * `Content-MD5` and for matching part ETags when `sliceUploadFile` resumes. Node uses node:crypto instead.
 */

const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const K = new Int32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0;

const encoder = new TextEncoder();

/**
 * An MD5 computation fed in pieces.
 *
 * @example
 * const hex = new Md5().update('hello').update(bytes).hex();
 */
export class Md5 {
  readonly #state = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]);
  readonly #block = new Uint8Array(64);
  readonly #words = new Int32Array(16);
  #blockLength = 0;
  #totalBytes = 0;

  update(data: Uint8Array | string): this {
    const bytes = typeof data === 'string' ? encoder.encode(data) : data;
    this.#totalBytes += bytes.length;
    let i = 0;
    if (this.#blockLength > 0) {
      const take = Math.min(64 - this.#blockLength, bytes.length);
      this.#block.set(bytes.subarray(0, take), this.#blockLength);
      this.#blockLength += take;
      i = take;
      if (this.#blockLength < 64) return this;
      this.#compress(this.#block, 0);
      this.#blockLength = 0;
    }
    for (; i + 64 <= bytes.length; i += 64) this.#compress(bytes, i);
    if (i < bytes.length) {
      this.#block.set(bytes.subarray(i), 0);
      this.#blockLength = bytes.length - i;
    }
    return this;
  }

  digest(): Uint8Array {
    const bits = this.#totalBytes * 8;
    const padLength = this.#blockLength < 56 ? 56 - this.#blockLength : 120 - this.#blockLength;
    const pad = new Uint8Array(padLength + 8);
    pad[0] = 0x80;
    const lo = bits >>> 0;
    const hi = Math.floor(bits / 2 ** 32) >>> 0;
    for (let b = 0; b < 4; b++) {
      pad[padLength + b] = (lo >>> (8 * b)) & 0xff;
      pad[padLength + 4 + b] = (hi >>> (8 * b)) & 0xff;
    }
    const total = this.#totalBytes;
    this.update(pad);
    this.#totalBytes = total;
    const out = new Uint8Array(16);
    for (let w = 0; w < 4; w++) {
      const v = this.#state[w]!;
      for (let b = 0; b < 4; b++) out[w * 4 + b] = (v >>> (8 * b)) & 0xff;
    }
    return out;
  }

  hex(): string {
    let s = '';
    for (const b of this.digest()) s += b.toString(16).padStart(2, '0');
    return s;
  }

  #compress(bytes: Uint8Array, offset: number): void {
    const w = this.#words;
    for (let j = 0; j < 16; j++) {
      const p = offset + j * 4;
      w[j] = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
    }
    const s = this.#state;
    let a = s[0]!;
    let b = s[1]!;
    let c = s[2]!;
    let d = s[3]!;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const shift = SHIFTS[(i >> 4) * 4 + (i & 3)]!;
      const x = (a + f + K[i]! + w[g]!) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((x << shift) | (x >>> (32 - shift)))) | 0;
    }
    s[0] = (s[0]! + a) | 0;
    s[1] = (s[1]! + b) | 0;
    s[2] = (s[2]! + c) | 0;
    s[3] = (s[3]! + d) | 0;
  }
}

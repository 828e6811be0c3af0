/**
 * CRC-32 (IEEE 802.3, as zlib and `x-amz-checksum-crc32`). The server may use node:zlib's `crc32` for speed; the sdk
 * runs in browsers and needs this one.
 */

/** A reflected CRC-32 with init and xorout all ones, built for one polynomial. */
export interface ReflectedCrc32 {
  update(data: Uint8Array, prev: number): number;
  combine(crcA: number, crcB: number, lengthB: number): number;
}

/**
 * Builds slicing-by-8 tables and combine powers for a reflected CRC-32. Internal: `crc32` and `crc32c` share it.
 */
export function createReflectedCrc32(poly: number): ReflectedCrc32 {
  // table[k * 256 + b] = register after byte b followed by k zero bytes (slicing-by-8).
  const table = new Int32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    table[b] = c;
  }
  for (let i = 256; i < 8 * 256; i++) {
    const c = table[i - 256]!;
    table[i] = (c >>> 8) ^ table[c & 0xff]!;
  }

  function update(data: Uint8Array, prev: number): number {
    let c = ~prev;
    const n = data.length;
    const end8 = n - (n & 7);
    let i = 0;
    while (i < end8) {
      const a = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
      const b = data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
      c =
        table[0x700 + (a & 0xff)]! ^
        table[0x600 + ((a >>> 8) & 0xff)]! ^
        table[0x500 + ((a >>> 16) & 0xff)]! ^
        table[0x400 + (a >>> 24)]! ^
        table[0x300 + (b & 0xff)]! ^
        table[0x200 + ((b >>> 8) & 0xff)]! ^
        table[0x100 + ((b >>> 16) & 0xff)]! ^
        table[b >>> 24]!;
      i += 8;
    }
    for (; i < n; i++) c = (c >>> 8) ^ table[(c ^ data[i]!) & 0xff]!;
    return ~c >>> 0;
  }

  // GF(2) product a·b mod P in the reflected representation (bit 31 is x^0): zlib's multmodp.
  function mulmod(a: number, b: number): number {
    let p = 0;
    for (let m = 0x80000000; m !== 0; m >>>= 1) {
      if (a & m) p ^= b;
      b = b & 1 ? (b >>> 1) ^ poly : b >>> 1;
    }
    return p >>> 0;
  }

  // x2n[k] = x^(2^k) mod P. Lengths are at most 2^53 bytes = 2^56 bits, so 64 entries never run out.
  const x2n = [0x40000000];
  for (let k = 1; k < 64; k++) x2n.push(mulmod(x2n[k - 1]!, x2n[k - 1]!));

  function combine(crcA: number, crcB: number, lengthB: number): number {
    if (!Number.isSafeInteger(lengthB) || lengthB < 0) {
      throw new RangeError(`lengthB must be a non-negative safe integer, got ${lengthB}`);
    }
    // crc(A‖B) = crc(A)·x^(8·lengthB) + crc(B) mod P; the all-ones init and xorout cancel out (zlib crc32_combine).
    let p = 0x80000000;
    let n = lengthB;
    for (let k = 3; n > 0; k++) {
      if (n % 2 === 1) p = mulmod(x2n[k]!, p);
      n = Math.floor(n / 2);
    }
    return (mulmod(crcA >>> 0, p) ^ crcB) >>> 0;
  }

  return { update, combine };
}

const IEEE = createReflectedCrc32(0xedb88320);

/**
 * CRC-32 of `data`, continuing from `prev`, equal to node:zlib's `crc32(data, prev)`.
 *
 * @example
 * crc32(new TextEncoder().encode('123456789')); // 0xcbf43926
 */
export function crc32(data: Uint8Array, prev = 0): number {
  return IEEE.update(data, prev);
}

/** CRC-32 of A‖B from the CRCs of A and B and the byte length of B, in O(log lengthB) time (zlib `crc32_combine`). */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return IEEE.combine(crcA, crcB, lengthB);
}

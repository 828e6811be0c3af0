/**
 * CRC-64/XZ, the `x-cos-hash-crc64ecma` of Tencent COS: ECMA-182 polynomial, reflected (0xC96C5795D7870F42),
 * init and xorout all ones. Same as Go's `crc64.Checksum(b, crc64.MakeTable(crc64.ECMA))`.
 *
 * Runs in browsers too, so plain Uint8Array and no Node APIs. BigInt arithmetic per byte is ~50x slower than
 * 32-bit integer arithmetic in V8, so the 64-bit register lives in two 32-bit halves and only the result becomes a
 * BigInt.
 */

/** A reflected CRC-64 with init and xorout all ones, built for one polynomial. */
export interface ReflectedCrc64 {
  update(data: Uint8Array, prev: bigint): bigint;
  combine(crcA: bigint, crcB: bigint, lengthB: number): bigint;
}

const MASK_32 = 0xffffffffn;

/**
 * Builds slicing-by-8 tables and combine powers for a reflected CRC-64. Internal: `crc64` and `crc64nvme` share it.
 * The polynomial is given in its reflected form, split into 32-bit halves.
 */
export function createReflectedCrc64(polyHi: number, polyLo: number): ReflectedCrc64 {
  // tableLo/tableHi[k * 256 + b] = register after byte b followed by k zero bytes (slicing-by-8).
  const tableLo = new Uint32Array(8 * 256);
  const tableHi = new Uint32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let lo = b;
    let hi = 0;
    for (let bit = 0; bit < 8; bit++) {
      const carry = lo & 1;
      lo = (lo >>> 1) | (hi << 31);
      hi >>>= 1;
      if (carry) {
        lo ^= polyLo;
        hi ^= polyHi;
      }
    }
    tableLo[b] = lo;
    tableHi[b] = hi;
  }
  for (let i = 256; i < 8 * 256; i++) {
    const lo = tableLo[i - 256]!;
    const hi = tableHi[i - 256]!;
    const idx = lo & 0xff;
    tableLo[i] = ((lo >>> 8) | (hi << 24)) ^ tableLo[idx]!;
    tableHi[i] = (hi >>> 8) ^ tableHi[idx]!;
  }

  function update(data: Uint8Array, prev: bigint): bigint {
    const start = BigInt.asUintN(64, prev);
    let lo = ~Number(start & MASK_32);
    let hi = ~Number(start >> 32n);
    const n = data.length;
    const end8 = n - (n & 7);
    let i = 0;
    while (i < end8) {
      const a = lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
      const b = hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
      const i7 = 0x700 + (a & 0xff);
      const i6 = 0x600 + ((a >>> 8) & 0xff);
      const i5 = 0x500 + ((a >>> 16) & 0xff);
      const i4 = 0x400 + (a >>> 24);
      const i3 = 0x300 + (b & 0xff);
      const i2 = 0x200 + ((b >>> 8) & 0xff);
      const i1 = 0x100 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      lo =
        tableLo[i7]! ^
        tableLo[i6]! ^
        tableLo[i5]! ^
        tableLo[i4]! ^
        tableLo[i3]! ^
        tableLo[i2]! ^
        tableLo[i1]! ^
        tableLo[i0]!;
      hi =
        tableHi[i7]! ^
        tableHi[i6]! ^
        tableHi[i5]! ^
        tableHi[i4]! ^
        tableHi[i3]! ^
        tableHi[i2]! ^
        tableHi[i1]! ^
        tableHi[i0]!;
      i += 8;
    }
    for (; i < n; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ tableLo[idx]!;
      hi = (hi >>> 8) ^ tableHi[idx]!;
    }
    return (BigInt(~hi >>> 0) << 32n) | BigInt(~lo >>> 0);
  }

  // GF(2) product a·b mod P in the reflected representation (bit 63 is x^0), as zlib's multmodp.
  function mulmod(aHi: number, aLo: number, bHi: number, bLo: number): [number, number] {
    let pHi = 0;
    let pLo = 0;
    for (let k = 0; k < 64; k++) {
      const bit = k < 32 ? (aHi >>> (31 - k)) & 1 : (aLo >>> (63 - k)) & 1;
      if (bit) {
        pHi ^= bHi;
        pLo ^= bLo;
      }
      const carry = bLo & 1;
      bLo = (bLo >>> 1) | (bHi << 31);
      bHi >>>= 1;
      if (carry) {
        bLo ^= polyLo;
        bHi ^= polyHi;
      }
    }
    return [pHi >>> 0, pLo >>> 0];
  }

  // x2n[k] = x^(2^k) mod P. Lengths are at most 2^53 bytes = 2^56 bits, so 64 entries never run out.
  const x2n: [number, number][] = [[0x40000000, 0]];
  for (let k = 1; k < 64; k++) {
    const [h, l] = x2n[k - 1]!;
    x2n.push(mulmod(h, l, h, l));
  }

  function combine(crcA: bigint, crcB: bigint, lengthB: number): bigint {
    if (!Number.isSafeInteger(lengthB) || lengthB < 0) {
      throw new RangeError(`lengthB must be a non-negative safe integer, got ${lengthB}`);
    }
    const a = BigInt.asUintN(64, crcA);
    const b = BigInt.asUintN(64, crcB);
    if (lengthB === 0) return a ^ b;
    // crc(A‖B) = crc(A)·x^(8·lengthB) + crc(B) mod P; the all-ones init and xorout cancel out (zlib crc32_combine).
    let pHi = 0x80000000;
    let pLo = 0;
    let n = lengthB;
    for (let k = 3; n > 0; k++) {
      if (n % 2 === 1) {
        const [h, l] = x2n[k]!;
        [pHi, pLo] = mulmod(h, l, pHi, pLo);
      }
      n = Math.floor(n / 2);
    }
    const [hi, lo] = mulmod(Number(a >> 32n), Number(a & MASK_32), pHi, pLo);
    return ((BigInt(hi) << 32n) | BigInt(lo)) ^ b;
  }

  return { update, combine };
}

const XZ = createReflectedCrc64(0xc96c5795, 0xd7870f42);

/**
 * CRC-64/XZ of `data`, continuing from `prev` (the CRC of everything before it), as COS's `x-cos-hash-crc64ecma`.
 *
 * @example
 * crc64(new TextEncoder().encode('123456789')); // 11051210869376104954n
 * crc64(b, crc64(a)) === crc64(concat(a, b)); // true
 */
export function crc64(data: Uint8Array, prev = 0n): bigint {
  return XZ.update(data, prev);
}

/**
 * CRC-64/XZ of A‖B from the CRCs of A and B and the byte length of B, in O(log lengthB) time.
 * COS's CompleteMultipartUpload reports the whole object's CRC this way, without re-reading the parts.
 *
 * @example
 * crc64Combine(crc64(a), crc64(b), b.length) === crc64(concat(a, b)); // true
 */
export function crc64Combine(crcA: bigint, crcB: bigint, lengthB: number): bigint {
  return XZ.combine(crcA, crcB, lengthB);
}

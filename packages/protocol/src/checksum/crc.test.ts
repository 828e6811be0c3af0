import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Combine } from './crc32.js';
import { crc32c, crc32cCombine } from './crc32c.js';
import { crc64, crc64Combine } from './crc64.js';
import { crc64nvme, crc64nvmeCombine } from './crc64nvme.js';

/** One reflected CRC with init and xorout all ones, seen through bigints so 32- and 64-bit CRCs share the tests. */
interface Model {
  name: string;
  width: 32 | 64;
  /** Reflected polynomial. */
  poly: bigint;
  check: bigint;
  update(data: Uint8Array, prev?: bigint): bigint;
  combine(a: bigint, b: bigint, lengthB: number): bigint;
}

const MODELS: Model[] = [
  {
    name: 'CRC-64/XZ',
    width: 64,
    poly: 0xc96c5795d7870f42n,
    check: 11051210869376104954n,
    update: (d, p) => crc64(d, p),
    combine: crc64Combine,
  },
  {
    name: 'CRC-64/NVME',
    width: 64,
    poly: 0x9a6c9329ac4bc9b5n,
    check: 0xae8b14860a799888n,
    update: (d, p) => crc64nvme(d, p),
    combine: crc64nvmeCombine,
  },
  {
    name: 'CRC-32',
    width: 32,
    poly: 0xedb88320n,
    check: 0xcbf43926n,
    update: (d, p) => BigInt(crc32(d, p === undefined ? undefined : Number(p))),
    combine: (a, b, n) => BigInt(crc32Combine(Number(a), Number(b), n)),
  },
  {
    name: 'CRC-32C',
    width: 32,
    poly: 0x82f63b78n,
    check: 0xe3069283n,
    update: (d, p) => BigInt(crc32c(d, p === undefined ? undefined : Number(p))),
    combine: (a, b, n) => BigInt(crc32cCombine(Number(a), Number(b), n)),
  },
];

const ascii = (s: string) => new TextEncoder().encode(s);

/** xorshift32, so a failing case can be replayed from its seed. */
function prng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

function randomBytes(n: number, rand: () => number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() * 256) | 0;
  return out;
}

const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

/** Bit-at-a-time BigInt CRC: slow, obviously right. */
function slowCrc(m: Model, data: Uint8Array): bigint {
  const mask = (1n << BigInt(m.width)) - 1n;
  let crc = mask;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ m.poly : crc >> 1n;
  }
  return crc ^ mask;
}

function reverseBits(v: bigint, width: number): bigint {
  let r = 0n;
  for (let i = 0; i < width; i++) r |= ((v >> BigInt(i)) & 1n) << BigInt(width - 1 - i);
  return r;
}

/**
 * crc(A‖B) from crc(A), crc(B), |B| in the ordinary (unreflected) polynomial domain with square-and-multiply on BigInt
 * polynomials: an independent route to what the implementations compute with zlib's reflected tables.
 */
function slowCombine(m: Model, crcA: bigint, crcB: bigint, lengthB: number): bigint {
  const w = BigInt(m.width);
  const p = (1n << w) | reverseBits(m.poly, m.width);
  const mulmod = (a: bigint, b: bigint) => {
    let prod = 0n;
    for (let i = 0n; b >> i; i++) if ((b >> i) & 1n) prod ^= a << i;
    for (let d = BigInt(prod.toString(2).length - 1); d >= w; d--) if ((prod >> d) & 1n) prod ^= p << (d - w);
    return prod;
  };
  let power = 1n;
  let base = 2n; // x
  for (let e = BigInt(lengthB) * 8n; e > 0n; e >>= 1n) {
    if (e & 1n) power = mulmod(power, base);
    base = mulmod(base, base);
  }
  return reverseBits(mulmod(reverseBits(crcA, m.width), power), m.width) ^ crcB;
}

describe.each(MODELS)('$name', (m) => {
  it('matches the check value for "123456789"', () => {
    expect(m.update(ascii('123456789'))).toBe(m.check);
    expect(slowCrc(m, ascii('123456789'))).toBe(m.check);
  });

  it('is 0 for empty input and keeps prev unchanged on empty input', () => {
    expect(m.update(new Uint8Array())).toBe(0n);
    expect(m.update(new Uint8Array(), m.check)).toBe(m.check);
  });

  it('matches the bit-at-a-time reference for lengths 0..300 at every offset 0..7', () => {
    const rand = prng(0xc0ffee);
    const backing = randomBytes(320, rand);
    for (let offset = 0; offset < 8; offset++) {
      for (let n = 0; n <= 300; n++) {
        const view = new Uint8Array(backing.buffer, offset, n);
        expect(m.update(view), `offset ${offset} length ${n}`).toBe(slowCrc(m, view));
      }
    }
  });

  it('is incremental: update(b, update(a)) === update(a‖b) over random splits', () => {
    const rand = prng(42);
    const data = randomBytes(100_000, rand);
    const whole = m.update(data);
    for (let round = 0; round < 50; round++) {
      let crc = 0n;
      let at = 0;
      while (at < data.length) {
        const size = Math.min(data.length - at, Math.floor(rand() * (round < 25 ? 64 : 20_000)));
        crc = m.update(data.subarray(at, at + size), crc);
        at += size;
      }
      expect(crc, `round ${round}`).toBe(whole);
    }
  });

  it('combine equals the CRC of the concatenation over random lengths', () => {
    const rand = prng(7);
    const lengths = [0, 1, 2, 7, 8, 9, 15, 16, 17, 255, 256, 1000, 65_536, 1_048_576 + 3];
    for (let i = 0; i < 30; i++) lengths.push(Math.floor(rand() * 5000));
    for (const lengthB of lengths) {
      const a = randomBytes(Math.floor(rand() * 300), rand);
      const b = randomBytes(lengthB, rand);
      expect(m.combine(m.update(a), m.update(b), lengthB), `lengthB ${lengthB}`).toBe(m.update(concat(a, b)));
    }
  });

  it('combine handles an empty A or B', () => {
    const b = ascii('123456789');
    expect(m.combine(0n, m.check, b.length)).toBe(m.check);
    expect(m.combine(m.check, 0n, 0)).toBe(m.check);
  });

  it('combine matches the square-and-multiply reference for lengths up to 2^53 - 1', () => {
    const rand = prng(99);
    const lengths = [1, 1 << 20, 2 ** 32 - 1, 2 ** 32, 5 * 2 ** 40, 5 * 2 ** 40 + 12_345, Number.MAX_SAFE_INTEGER];
    for (let i = 0; i < 20; i++) lengths.push(Math.floor(rand() * 5 * 2 ** 40));
    const mask = (1n << BigInt(m.width)) - 1n;
    for (const lengthB of lengths) {
      const crcA = (BigInt(Math.floor(rand() * 2 ** 32)) * BigInt(Math.floor(rand() * 2 ** 32))) & mask;
      const crcB = BigInt(Math.floor(rand() * 2 ** 32)) & mask;
      expect(m.combine(crcA, crcB, lengthB), `lengthB ${lengthB}`).toBe(slowCombine(m, crcA, crcB, lengthB));
    }
  });

  it('combine is associative over large lengths', () => {
    const [a, b, c] = [m.check, m.update(ascii('Hello')), m.update(ascii('world'))];
    const lb = 3 * 2 ** 40 + 5;
    const lc = 2 * 2 ** 40 + 11;
    expect(m.combine(m.combine(a, b, lb), c, lc)).toBe(m.combine(a, m.combine(b, c, lc), lb + lc));
  });

  it('combine rejects lengths that are negative, fractional or unsafe', () => {
    expect(() => m.combine(0n, 0n, -1)).toThrow(RangeError);
    expect(() => m.combine(0n, 0n, 1.5)).toThrow(RangeError);
    expect(() => m.combine(0n, 0n, 2 ** 53)).toThrow(RangeError);
  });
});

describe('crc64 (CRC-64/XZ, COS x-cos-hash-crc64ecma)', () => {
  // CRC-64/XZ in the CRC catalogue: https://reveng.sourceforge.io/crc-catalogue/17plus.htm#crc.cat.crc-64-xz
  it('matches the CRC-64/XZ check vectors', () => {
    expect(crc64(ascii('123456789'))).toBe(11051210869376104954n);
    expect(crc64(ascii('Hello'))).toBe(5895031849087642824n);
    expect(crc64(ascii(''))).toBe(0n);
    expect(crc64(ascii('6789'), crc64(ascii('12345')))).toBe(11051210869376104954n);
  });
});

describe('crc32', () => {
  it('equals node:zlib crc32, one-shot and incremental', () => {
    const rand = prng(1234);
    for (let n = 0; n < 2000; n += 1 + Math.floor(rand() * 50)) {
      const data = randomBytes(n, rand);
      const prev = Math.floor(rand() * 2 ** 32);
      expect(crc32(data)).toBe(zlibCrc32(data));
      expect(crc32(data, prev)).toBe(zlibCrc32(data, prev));
    }
  });
});

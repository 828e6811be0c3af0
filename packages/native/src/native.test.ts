import { createCipheriv, randomBytes as cryptoRandomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import * as protocol from '@coffer/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import {
  aes256CtrXor,
  Crc64,
  crc32,
  crc32c,
  crc64,
  crc64Combine,
  crc64nvme,
  nativeImplementation,
  nativeLoaded,
} from './index.js';

/** The same addon instance index.ts loaded, for its test hook. */
const binding = createRequire(import.meta.url)('../build/Release/coffer_native.node') as {
  _forceGeneric(on: boolean): void;
  implementation(): { crc64: string; crc32c: string };
};

const ascii = (s: string) => new TextEncoder().encode(s);

/** xorshift32, so a failing case can be replayed from its seed. */
function prng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

function randomBytes(n: number, seed: number): Uint8Array {
  const rand = prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rand() & 0xff;
  return out;
}

const randomCrc64 = (rand: () => number) => (BigInt(rand()) << 32n) | BigInt(rand());

describe('@coffer/native', () => {
  it('loads the addon in this repo (built by the install script)', () => {
    expect(nativeLoaded, nativeImplementation.loadError).toBe(true);
    expect(nativeImplementation.crc64).not.toBe('js');
    expect(nativeImplementation.crc32c).not.toBe('js');
  });

  it('matches the check values', () => {
    expect(crc64(ascii('123456789'))).toBe(11051210869376104954n);
    expect(crc64(ascii('Hello'))).toBe(5895031849087642824n);
    expect(crc64(new Uint8Array())).toBe(0n);
    expect(crc64nvme(ascii('123456789'))).toBe(0xae8b14860a799888n);
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
  });

  it('accepts Buffers and ignores an undefined prev', () => {
    expect(crc64(Buffer.from('123456789'), undefined)).toBe(11051210869376104954n);
    expect(crc32c(Buffer.from('123456789'), undefined)).toBe(0xe3069283);
  });

  it('rejects bad arguments with the errors the JavaScript fallback throws', () => {
    expect(() => crc64(ascii('x'), 1 as unknown as bigint)).toThrow(TypeError);
    expect(() => crc64Combine(0n, 0n, -1)).toThrow(RangeError);
    expect(() => crc64Combine(0n, 0n, 0.5)).toThrow(RangeError);
    expect(() => crc64Combine(0n, 0n, 2 ** 53)).toThrow(RangeError);
    // Only the addon checks the element type; the fallback trusts its TypeScript signature.
    expect(() => crc64(new Uint16Array(4) as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => crc32c('abc' as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('takes prev mod 2^64 like BigInt.asUintN', () => {
    const data = ascii('abc');
    expect(crc64(data, -1n)).toBe(protocol.crc64(data, -1n));
    expect(crc64(data, 2n ** 64n + 5n)).toBe(protocol.crc64(data, 5n));
  });
});

// Each suite runs twice on a CPU with PCLMULQDQ/SSE4.2: once on the SIMD code, once forced onto the tables.
describe.each([
  { path: 'auto-selected', generic: false },
  { path: 'table', generic: true },
])('native == JavaScript ($path code)', ({ generic }) => {
  afterAll(() => binding._forceGeneric(false));

  it('agrees on lengths 0..300 at offsets 0..15 into a larger ArrayBuffer', () => {
    binding._forceGeneric(generic);
    expect(binding.implementation()).toEqual(
      generic
        ? { crc64: 'table', crc32c: 'table' }
        : { crc64: nativeImplementation.crc64, crc32c: nativeImplementation.crc32c },
    );
    const backing = randomBytes(4096, 1);
    const rand = prng(2);
    for (let offset = 0; offset < 16; offset++) {
      for (let n = 0; n <= 300; n++) {
        const view = new Uint8Array(backing.buffer, offset * 37, n);
        const prev64 = randomCrc64(rand);
        const prev32 = rand();
        const what = `offset ${offset * 37} length ${n}`;
        expect(crc64(view, prev64), what).toBe(protocol.crc64(view, prev64));
        expect(crc64nvme(view, prev64), what).toBe(protocol.crc64nvme(view, prev64));
        expect(crc32c(view, prev32), what).toBe(protocol.crc32c(view, prev32));
        expect(crc32(view, prev32), what).toBe(protocol.crc32(view, prev32));
      }
    }
  });

  it('agrees on buffers of a few MB', () => {
    binding._forceGeneric(generic);
    const big = randomBytes(5 * 1024 * 1024 + 64, 3);
    for (const [offset, n] of [
      [0, 1024 * 1024],
      [1, 3 * 1024 * 1024 + 7],
      [13, 4 * 1024 * 1024 + 129],
      [64, 5 * 1024 * 1024],
      [5, 3 * 4096 - 1],
      [5, 3 * 4096],
      [5, 3 * 4096 + 1],
    ] as const) {
      const view = big.subarray(offset, offset + n);
      const what = `offset ${offset} length ${n}`;
      expect(crc64(view), what).toBe(protocol.crc64(view));
      expect(crc64nvme(view), what).toBe(protocol.crc64nvme(view));
      expect(crc32c(view), what).toBe(protocol.crc32c(view));
      expect(crc32(view), what).toBe(protocol.crc32(view));
    }
  });

  it('is incremental over random splits', () => {
    binding._forceGeneric(generic);
    const data = randomBytes(1 << 20, 4);
    const rand = prng(5);
    const whole = protocol.crc64(data);
    const whole32c = protocol.crc32c(data);
    for (let round = 0; round < 20; round++) {
      let c64 = 0n;
      let c32c = 0;
      for (let at = 0; at < data.length; ) {
        const size = Math.min(data.length - at, rand() % (round < 10 ? 300 : 200_000));
        const chunk = data.subarray(at, at + size);
        c64 = crc64(chunk, c64);
        c32c = crc32c(chunk, c32c);
        at += size;
      }
      expect(c64, `round ${round}`).toBe(whole);
      expect(c32c, `round ${round}`).toBe(whole32c);
    }
  });
});

describe('crc64Combine', () => {
  it('equals the CRC of the concatenation', () => {
    const rand = prng(6);
    for (const lengthB of [0, 1, 15, 16, 17, 255, 256, 4096, 65_536, 1_000_003]) {
      const a = randomBytes(rand() % 1000, rand());
      const b = randomBytes(lengthB, rand());
      const joined = new Uint8Array(a.length + b.length);
      joined.set(a);
      joined.set(b, a.length);
      expect(crc64Combine(crc64(a), crc64(b), lengthB), `lengthB ${lengthB}`).toBe(crc64(joined));
    }
  });

  it('equals the JavaScript combine for lengths up to 2^53 - 1', () => {
    const rand = prng(7);
    const lengths = [0, 1, 2 ** 32 - 1, 2 ** 32, 5 * 2 ** 40, Number.MAX_SAFE_INTEGER];
    for (let i = 0; i < 50; i++) lengths.push(Math.floor((rand() / 2 ** 32) * 5 * 2 ** 40));
    for (const lengthB of lengths) {
      const [a, b] = [randomCrc64(rand), randomCrc64(rand)];
      expect(crc64Combine(a, b, lengthB), `lengthB ${lengthB}`).toBe(protocol.crc64Combine(a, b, lengthB));
    }
  });
});

describe('Crc64', () => {
  it('digests a stream of chunks like one crc64 call', () => {
    const data = randomBytes(200_000, 8);
    const hash = new Crc64();
    for (let at = 0; at < data.length; at += 65_536) hash.update(data.subarray(at, at + 65_536));
    expect(hash.digest()).toBe(crc64(data));
    expect(new Crc64().digest()).toBe(0n);
  });

  it('continues from a previous CRC, as an append does', () => {
    const hash = new Crc64(crc64(ascii('12345')));
    expect(hash.update(ascii('6789')).digest()).toBe(11051210869376104954n);
  });
});

describe('aes256CtrXor', () => {
  it('is the key stream of node:crypto aes-256-ctr from any offset, in place', () => {
    expect(aes256CtrXor).toBeDefined();
    const key = cryptoRandomBytes(32);
    const plain = cryptoRandomBytes(300_000);
    const sealed = createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(plain);
    for (const [start, end] of [
      [0, 300_000],
      [5, 77],
      [16, 4096],
      [17, 299_999],
      [123_457, 200_001],
      [299_999, 300_000],
    ] as const) {
      const bytes = Buffer.from(sealed.subarray(start, end));
      aes256CtrXor!(key, start, bytes);
      expect(bytes.equals(plain.subarray(start, end)), `${start}-${end}`).toBe(true);
    }
    // Counter blocks past 2^32 (offsets beyond 64 GiB) carry into the high bytes as node:crypto's do.
    const iv = Buffer.alloc(16);
    iv.writeBigUInt64BE(2n ** 32n - 1n, 8);
    const far = createCipheriv('aes-256-ctr', key, iv).update(plain.subarray(0, 64));
    aes256CtrXor!(key, (2 ** 32 - 1) * 16, far);
    expect(far.equals(plain.subarray(0, 64))).toBe(true);
  });

  it('rejects a key that is not 32 bytes, a bad offset, data that is not bytes', () => {
    const key = cryptoRandomBytes(32);
    expect(() => aes256CtrXor!(key.subarray(0, 16), 0, Buffer.alloc(1))).toThrow(RangeError);
    for (const offset of [-1, 0.5, Number.NaN, 2 ** 53]) {
      expect(() => aes256CtrXor!(key, offset, Buffer.alloc(1))).toThrow(RangeError);
    }
    expect(() => aes256CtrXor!(key, 0, 'text' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

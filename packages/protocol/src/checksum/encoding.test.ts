import { createHash, randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';
import { crc32c } from './crc32c.js';
import { crc64 } from './crc64.js';
import { crc64nvme } from './crc64nvme.js';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm, checksumBase64, crc64ToDecimal } from './encoding.js';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('checksumBase64', () => {
  it('renders the empty-input CRCs as S3 does', () => {
    expect(checksumBase64('CRC32', crc32(new Uint8Array()))).toBe('AAAAAA==');
    expect(checksumBase64('CRC32C', crc32c(new Uint8Array()))).toBe('AAAAAA==');
    expect(checksumBase64('CRC64NVME', crc64nvme(new Uint8Array()))).toBe('AAAAAAAAAAA=');
  });

  it('renders the check values big-endian', () => {
    expect(checksumBase64('CRC32', crc32(ascii('123456789')))).toBe(Buffer.from('cbf43926', 'hex').toString('base64'));
    expect(checksumBase64('CRC32C', crc32c(ascii('123456789')))).toBe(
      Buffer.from('e3069283', 'hex').toString('base64'),
    );
    expect(checksumBase64('CRC64NVME', crc64nvme(ascii('123456789')))).toBe('rosUhgp5mIg=');
  });

  it('renders CRC32 like a big-endian write of node:zlib crc32', () => {
    for (let i = 0; i < 200; i++) {
      const data = randomBytes(i * 7);
      const expected = Buffer.alloc(4);
      expected.writeUInt32BE(zlibCrc32(data));
      expect(checksumBase64('CRC32', crc32(data))).toBe(expected.toString('base64'));
      expect(checksumBase64('CRC32', BigInt(crc32(data)))).toBe(expected.toString('base64'));
      expect(checksumBase64('CRC32', new Uint8Array(expected))).toBe(expected.toString('base64'));
    }
  });

  it('renders a CRC64NVME bigint like a big-endian write of its 8 bytes', () => {
    for (let i = 0; i < 200; i++) {
      const value = crc64nvme(randomBytes(i));
      const expected = Buffer.alloc(8);
      expected.writeBigUInt64BE(value);
      expect(checksumBase64('CRC64NVME', value)).toBe(expected.toString('base64'));
    }
  });

  it('renders SHA digests like node:crypto base64 digests', () => {
    for (let i = 0; i < 50; i++) {
      const data = randomBytes(i * 13);
      for (const [algorithm, name] of [
        ['SHA1', 'sha1'],
        ['SHA256', 'sha256'],
      ] as const) {
        const digest = new Uint8Array(createHash(name).update(data).digest());
        expect(checksumBase64(algorithm, digest)).toBe(createHash(name).update(data).digest('base64'));
      }
    }
  });

  it('rejects digests of the wrong shape', () => {
    expect(() => checksumBase64('SHA256', new Uint8Array(20))).toThrow(RangeError);
    expect(() => checksumBase64('SHA1', 5)).toThrow(TypeError);
    expect(() => checksumBase64('CRC64NVME', 5)).toThrow(TypeError);
    expect(() => checksumBase64('CRC32', -1)).toThrow(RangeError);
    expect(() => checksumBase64('CRC32', 2 ** 32)).toThrow(RangeError);
    expect(() => checksumBase64('CRC32', 1.5)).toThrow(RangeError);
    expect(() => checksumBase64('CRC32', 2n ** 32n)).toThrow(RangeError);
    expect(() => checksumBase64('CRC64NVME', 2n ** 64n)).toThrow(RangeError);
    expect(() => checksumBase64('CRC64NVME', -1n)).toThrow(RangeError);
    expect(() => checksumBase64('MD5' as ChecksumAlgorithm, new Uint8Array(16))).toThrow(TypeError);
  });

  it('lists every algorithm once', () => {
    expect(CHECKSUM_ALGORITHMS).toEqual(['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256']);
  });
});

describe('crc64ToDecimal', () => {
  it('renders unsigned decimal, as COS x-cos-hash-crc64ecma', () => {
    expect(crc64ToDecimal(crc64(ascii('123456789')))).toBe('11051210869376104954');
    expect(crc64ToDecimal(0n)).toBe('0');
    expect(crc64ToDecimal(2n ** 64n - 1n)).toBe('18446744073709551615');
  });

  it('rejects values outside 64 bits', () => {
    expect(() => crc64ToDecimal(-1n)).toThrow(RangeError);
    expect(() => crc64ToDecimal(2n ** 64n)).toThrow(RangeError);
  });
});

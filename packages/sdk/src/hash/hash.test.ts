import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Md5 } from './md5.js';
import { hmacSha1, sha1 } from './sha1.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** Lengths around the 64-byte block and 56-byte padding boundaries, plus a multi-block buffer. */
const LENGTHS = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000, 65_537];

describe('pure-TS hashes (the browser build) match node:crypto', () => {
  it.each(LENGTHS)('MD5 of %i bytes, fed whole and in uneven pieces', (n) => {
    const data = randomBytes(n);
    const expected = createHash('md5').update(data).digest('hex');
    expect(new Md5().update(data).hex()).toBe(expected);
    const pieces = new Md5();
    for (let at = 0; at < n; at += 7 + (at % 13)) pieces.update(data.subarray(at, Math.min(n, at + 7 + (at % 13))));
    expect(pieces.hex()).toBe(expected);
  });

  it('MD5 of UTF-8 strings', () => {
    expect(new Md5().update('腾讯云 hello').hex()).toBe(createHash('md5').update('腾讯云 hello').digest('hex'));
  });

  it.each(LENGTHS)('SHA-1 of %i bytes', (n) => {
    const data = randomBytes(n);
    expect(hex(sha1(data))).toBe(createHash('sha1').update(data).digest('hex'));
  });

  it.each([0, 20, 64, 65, 200])('HMAC-SHA1 with a %i-byte key', (keyLength) => {
    const key = randomBytes(keyLength);
    const data = randomBytes(333);
    expect(hex(hmacSha1(key, data))).toBe(createHmac('sha1', key).update(data).digest('hex'));
    expect(hex(hmacSha1('secret', 'q-sign-time'))).toBe(
      createHmac('sha1', 'secret').update('q-sign-time').digest('hex'),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { escapeKey, unescapeKey } from './keys.js';

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const ALPHABET = ['\u0000', '\u0001', '\u0002', '/', 'a', 'é', '😀'];

function randomKey(): string {
  let key = '';
  for (let n = Math.floor(Math.random() * 6); n > 0; n--) key += ALPHABET[Math.floor(Math.random() * ALPHABET.length)];
  return key;
}

describe('PostgreSQL key escaping (U+0000 cannot be stored in text)', () => {
  it('round-trips, and leaves keys without U+0000 or U+0001 alone', () => {
    for (const key of ['', 'plain/key', 'a\u0000b', '\u0001\u0000\u0001', 'x\u0002y'])
      expect(unescapeKey(escapeKey(key))).toBe(key);
    expect(escapeKey('plain/key\u0002')).toBe('plain/key\u0002');
    expect(escapeKey('a\u0000b')).not.toContain('\u0000');
  });

  it('keeps byte order and prefixes, so listings and prefix ranges work on escaped keys', () => {
    for (let i = 0; i < 5000; i++) {
      const a = randomKey();
      const b = randomKey();
      expect(Math.sign(utf8Order(escapeKey(a), escapeKey(b)))).toBe(Math.sign(utf8Order(a, b)));
      expect(escapeKey(a).startsWith(escapeKey(b))).toBe(a.startsWith(b));
    }
  });
});

import { describe, expect, it } from 'vitest';
import { decodeTagging, encodeTagging, parseTaggingHeader, taggingFromHeader, validateTags } from './tagging.js';

describe('object tags', () => {
  it('round-trip through the stored query-string form, whatever characters they hold', () => {
    const tags = [
      { key: 'a+b', value: 'c=d' },
      { key: 'with space', value: '' },
      { key: '中文', value: 'x/y:z@w_v.u-t' },
    ];
    const stored = encodeTagging(tags);
    expect(stored).toBeDefined();
    expect(decodeTagging(stored)).toEqual(tags);
    // Lifecycle filters and x-amz-tagging-count read the same form with URLSearchParams.
    expect(new URLSearchParams(stored).get('a+b')).toBe('c=d');
    expect(encodeTagging([])).toBeUndefined();
    expect(decodeTagging(undefined)).toEqual([]);
  });

  it('parse the header as a form-encoded query: "+" is a space, a bare key has the empty value, empty pairs are skipped', () => {
    expect(parseTaggingHeader('a=1&&b+c=d%20e&flag&')).toEqual([
      { key: 'a', value: '1' },
      { key: 'b c', value: 'd e' },
      { key: 'flag', value: '' },
    ]);
    expect(taggingFromHeader(undefined)).toBeUndefined();
    expect(taggingFromHeader('&')).toBeUndefined();
  });

  it('refuse a malformed header with InvalidArgument and invalid tags with InvalidTag', () => {
    expect(() => parseTaggingHeader('a=b=c')).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => parseTaggingHeader('a=%zz')).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => parseTaggingHeader('=v')).toThrow(expect.objectContaining({ code: 'InvalidTag' }));
    expect(() => parseTaggingHeader('a=1&a=2')).toThrow(expect.objectContaining({ code: 'InvalidTag' }));
  });

  it('count characters (code points), not bytes or UTF-16 units, against the 128 / 256 limits', () => {
    // U+20000 is a letter outside the BMP: one character, two UTF-16 units, four UTF-8 bytes.
    expect(() => validateTags([{ key: '𠀀'.repeat(128), value: '𠀀'.repeat(256) }], 'object')).not.toThrow();
    expect(() => validateTags([{ key: '𠀀'.repeat(129), value: '' }], 'object')).toThrow(/TagKey/);
    expect(() => validateTags([{ key: 'k', value: 'é'.repeat(257) }], 'bucket')).toThrow(/TagValue/);
  });
});

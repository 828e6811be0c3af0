/**
 * Key-order helpers shared by the metadata stores. Listing order is UTF-8 byte order, which is the
 * order of Unicode code points (not of JavaScript's UTF-16 code units), so everything here works on
 * code points.
 */

/**
 * The smallest string that sorts after every string starting with `prefix`, or undefined when no
 * such string exists (the prefix is all U+10FFFF). `key >= p AND key < prefixSuccessor(p)` selects
 * exactly the keys that start with p, through the index.
 */
export function prefixSuccessor(prefix: string): string | undefined {
  const codePoints = Array.from(prefix);
  while (codePoints.length > 0) {
    let next = codePoints.pop()!.codePointAt(0)! + 1;
    if (next === 0xd800) next = 0xe000; // surrogates are not characters; skip over them
    if (next <= 0x10ffff) return codePoints.join('') + String.fromCodePoint(next);
  }
  return undefined;
}

/** Compares two strings in UTF-8 byte order (code point order). */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Both below the surrogate range or both in it: UTF-16 order is code point order.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs === ys) return x - y;
    // A surrogate (a code point ≥ U+10000) sorts after any other BMP unit.
    return xs ? 1 : -1;
  }
  return a.length - b.length;
}

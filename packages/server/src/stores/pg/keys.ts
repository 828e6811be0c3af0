/**
 * PostgreSQL text cannot hold U+0000, which S3 keys may. Keys (and prefixes, markers and delimiters)
 * are escaped before they reach SQL: U+0000 becomes U+0001 U+0001 and U+0001 becomes U+0001 U+0002.
 * The code is prefix-free and maps characters in order, so byte order, prefixes and '/' are preserved:
 * `a < b` iff `escapeKey(a) < escapeKey(b)`, and `k` starts with `p` iff `escapeKey(k)` starts with
 * `escapeKey(p)`. Keys without either character (nearly all) pass through untouched.
 */
const NEEDS_ESCAPE = /[\u0000\u0001]/;
const ESCAPED = /\u0001/;

export function escapeKey(key: string): string {
  if (!NEEDS_ESCAPE.test(key)) return key;
  return key.replace(/[\u0000\u0001]/g, (c) => (c === '\u0000' ? '\u0001\u0001' : '\u0001\u0002'));
}

export function unescapeKey(stored: string): string {
  if (!ESCAPED.test(stored)) return stored;
  return stored.replace(/\u0001[\u0001\u0002]/g, (pair) => (pair === '\u0001\u0001' ? '\u0000' : '\u0001'));
}

/** Whether a delimiter can be searched for in escaped keys as it is (it contains neither escape character). */
export function delimiterIsPlain(delimiter: string): boolean {
  return !/[\u0000-\u0002]/.test(delimiter);
}

/** A row as read, its key unescaped (rows are fresh objects from the driver: changed in place). */
export function withKey<R extends { key: string }>(row: R): R {
  row.key = unescapeKey(row.key);
  return row;
}

import { S3Error } from '../errors.js';

/** One `name[=value]` item of a query string, in wire order, with its decoded form. */
export interface RawQueryParam {
  /** As received (still percent-encoded). */
  rawName: string;
  /** As received; undefined when the item had no '=' (`?acl` rather than `?acl=`). */
  rawValue: string | undefined;
  name: string;
  /** Decoded value ('' when the item had no '='). */
  value: string;
}

/**
 * Decodes percent-escapes (UTF-8). `plusAsSpace` applies form decoding, as COS and SigV4 servers do for query strings
 * (clients encode a literal '+' as %2B; some, like the Go and Python SDKs, send spaces as '+').
 * Malformed escapes are a 400 InvalidURI: the request cannot have been signed over them meaningfully.
 */
export function percentDecode(s: string, plusAsSpace = false): string {
  const t = plusAsSpace ? s.replaceAll('+', ' ') : s;
  if (!t.includes('%')) return t;
  try {
    return decodeURIComponent(t);
  } catch (cause) {
    throw new S3Error('InvalidURI', "Couldn't parse the specified URI.", { cause });
  }
}

/** Splits a raw query string (no leading '?') into its items; empty items (`a=1&&b=2`) are skipped. */
export function parseRawQuery(rawQuery: string, opts: { plusAsSpace: boolean }): RawQueryParam[] {
  const out: RawQueryParam[] = [];
  if (rawQuery === '') return out;
  for (const item of rawQuery.split('&')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const rawName = eq < 0 ? item : item.slice(0, eq);
    const rawValue = eq < 0 ? undefined : item.slice(eq + 1);
    out.push({
      rawName,
      rawValue,
      name: percentDecode(rawName, opts.plusAsSpace),
      value: rawValue === undefined ? '' : percentDecode(rawValue, opts.plusAsSpace),
    });
  }
  return out;
}

import { S3Error } from '@coffer/protocol';

/** The four HTTP preconditions (or their x-cos-copy-source-If-* twins), as sent. */
export interface Preconditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

/** Does an If-Match / If-None-Match list (`"a", "b"`, `*`, weak `W/"a"`) name this ETag? */
export function etagListMatches(list: string, etag: string): boolean {
  return list.split(',').some((raw) => {
    const candidate = raw
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1');
    return candidate === '*' || candidate === etag;
  });
}

function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Evaluates preconditions against an object (RFC 7232 §6 order, as S3 applies it):
 * If-Match false → 412; else If-Unmodified-Since false (only without If-Match) → 412;
 * If-None-Match names the ETag → 304 for reads (412 for copies); else If-Modified-Since not
 * modified (only without If-None-Match) → 304 (412 for copies). Unparseable dates are ignored.
 */
export function checkPreconditions(
  conditions: Preconditions,
  object: { etag: string; lastModifiedMs: number },
  mode: 'read' | 'copy',
): void {
  const lastModifiedSeconds = Math.floor(object.lastModifiedMs / 1000);
  // A 304 carries the validators a 200 would have (RFC 7232 §4.1; S3 sends ETag and Last-Modified),
  // so a cache can refresh its entry.
  const notModified = () =>
    mode === 'read'
      ? new S3Error('NotModified', undefined, {
          headers: { etag: `"${object.etag}"`, 'last-modified': new Date(object.lastModifiedMs).toUTCString() },
        })
      : new S3Error('PreconditionFailed');
  if (conditions.ifMatch !== undefined) {
    if (!etagListMatches(conditions.ifMatch, object.etag)) throw new S3Error('PreconditionFailed');
  } else {
    const since = parseHttpDate(conditions.ifUnmodifiedSince);
    if (since !== undefined && lastModifiedSeconds > Math.floor(since / 1000)) throw new S3Error('PreconditionFailed');
  }
  if (conditions.ifNoneMatch !== undefined) {
    if (etagListMatches(conditions.ifNoneMatch, object.etag)) throw notModified();
  } else {
    const since = parseHttpDate(conditions.ifModifiedSince);
    if (since !== undefined && lastModifiedSeconds <= Math.floor(since / 1000)) throw notModified();
  }
}

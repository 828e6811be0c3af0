/** Pieces every signature scheme's verifier shares: header access, clock checks, key lookup. */
import type { IncomingHttpHeaders } from 'node:http';
import { type RawQueryParam, S3Error } from '@coffer/protocol';
import type { AuthContext, Credential, SignableRequest } from './types.js';

/** S3 allows 15 minutes of clock difference. */
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

export function maxSkewMs(ctx: AuthContext): number {
  return ctx.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
}

/** A header as one string (node keeps set-cookie as an array; join like a proxy would). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

/** First query parameter of this name, compared case-insensitively (clients differ on `X-Amz-…` vs `x-amz-…`). */
export function queryValue(params: readonly RawQueryParam[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return params.find((p) => p.name.toLowerCase() === lower)?.value;
}

/** 403 AccessDenied "Request has expired", with the times S3 reports. */
export function expiredError(expiresMs: number, nowMs: number): S3Error {
  return new S3Error('AccessDenied', 'Request has expired', {
    details: { Expires: new Date(expiresMs).toISOString(), ServerTime: new Date(nowMs).toISOString() },
  });
}

/** 403 RequestTimeTooSkewed, with ServerTime so a client can correct its clock (the COS SDK does). */
export function skewedError(requestMs: number, ctx: AuthContext, nowMs: number): S3Error {
  return new S3Error('RequestTimeTooSkewed', undefined, {
    details: {
      RequestTime: Number.isFinite(requestMs) ? new Date(requestMs).toISOString() : undefined,
      ServerTime: new Date(nowMs).toISOString(),
      MaxAllowedSkewMilliseconds: maxSkewMs(ctx),
    },
  });
}

/** Throws RequestTimeTooSkewed when `requestMs` is further than the allowed skew from the server clock. */
export function checkSkew(requestMs: number, ctx: AuthContext, nowMs: number): void {
  if (Math.abs(requestMs - nowMs) > maxSkewMs(ctx)) throw skewedError(requestMs, ctx, nowMs);
}

/** The key's credential, checked against the request's security token; InvalidAccessKeyId when unknown. */
export async function lookupCredential(
  ctx: AuthContext,
  accessKeyId: string,
  securityToken: string | undefined,
): Promise<Credential> {
  const credential = await ctx.lookupCredential(accessKeyId, securityToken);
  if (!credential) {
    throw new S3Error('InvalidAccessKeyId', undefined, { details: { AWSAccessKeyId: accessKeyId } });
  }
  return credential;
}

/** x-cos-security-token / x-amz-security-token from the headers, else from the query (presigned URLs). */
export function securityToken(req: SignableRequest, params: readonly RawQueryParam[]): string | undefined {
  return (
    headerValue(req.headers, 'x-amz-security-token') ??
    headerValue(req.headers, 'x-cos-security-token') ??
    queryValue(params, 'x-amz-security-token') ??
    queryValue(params, 'x-cos-security-token')
  );
}

/** The bucket segment in '/bucket' form, whichever way the http layer spelled it. */
export function bucketSegment(bucket: string): string {
  return bucket.startsWith('/') ? bucket : '/' + bucket;
}

/** Drops undefined members so results compare cleanly and carry no empty keys. */
export function definedOnly<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

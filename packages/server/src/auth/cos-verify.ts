/**
 * Verifies COS q-sign signatures (Authorization header or presigned query), as the
 * COS "Request Signature" page computes them: https://intl.cloud.tencent.com/document/product/436/7778
 */
import {
  type CosAuthorization,
  type CosPairOrder,
  type CosSignedEntry,
  cosHttpString,
  cosListedEntries,
  cosSignature,
  percentDecode,
  type RawQueryParam,
  S3Error,
} from '@coffer/protocol';
import {
  bucketSegment,
  definedOnly,
  expiredError,
  headerValue,
  lookupCredential,
  maxSkewMs,
  securityToken,
  skewedError,
} from './common.js';
import { nodeCrypto, signaturesEqual } from './node-crypto.js';
import type { AuthContext, AuthResult, SignableRequest } from './types.js';

const PAIR_ORDERS: readonly CosPairOrder[] = ['sdk', 'encoded'];

/**
 * Checks the time window, the key and the signature. Tries, in order, the bucket-stripped path (COS SDKs sign
 * `/key` even for `host/{Bucket}` path-style URLs), then the full path; each listed-name reading; both pair orders.
 * Every candidate is the same request bytes read a different way, so trying several does not widen what a
 * signature authorises.
 */
export async function verifyCos(
  req: SignableRequest,
  ctx: AuthContext,
  auth: CosAuthorization,
  params: readonly RawQueryParam[],
  presigned: boolean,
): Promise<AuthResult> {
  if (auth.algorithm !== 'sha1') {
    throw new S3Error('InvalidArgument', `Unsupported q-sign-algorithm "${auth.algorithm}"; only sha1 is supported.`, {
      details: { ArgumentName: 'q-sign-algorithm', ArgumentValue: auth.algorithm },
    });
  }
  const nowMs = ctx.nowMs();
  const [startS, endS] = auth.signTime.split(';').map(Number) as [number, number];
  if (nowMs > endS * 1000) throw expiredError(endS * 1000, nowMs);
  if (startS * 1000 - nowMs > maxSkewMs(ctx)) throw skewedError(startS * 1000, ctx, nowMs);

  const credential = await lookupCredential(ctx, auth.accessKeyId, securityToken(req, params));

  const headerEntries: CosSignedEntry[] = [];
  for (const name of Object.keys(req.headers)) {
    headerEntries.push({ name, value: headerValue(req.headers, name) ?? '' });
  }
  const headers = cosListedEntries(auth.headerList, headerEntries);
  const paramEntries: CosSignedEntry[] = params.map((p) => ({ name: p.name, value: p.value }));

  const tried = new Set<string>();
  for (const pathname of cosPathnames(req)) {
    for (const list of auth.urlParamLists) {
      const listed = cosListedEntries(list, paramEntries);
      for (const order of PAIR_ORDERS) {
        const httpString = cosHttpString({ method: req.method, pathname, params: listed, headers, order });
        if (tried.has(httpString)) continue;
        tried.add(httpString);
        const expected = cosSignature(nodeCrypto, {
          secretKey: credential.secretKey,
          keyTime: auth.keyTime,
          signTime: auth.signTime,
          httpString,
        });
        if (signaturesEqual(expected, auth.signature)) {
          return definedOnly({
            kind: 'cos',
            accessKeyId: credential.accessKeyId,
            principal: credential.principal,
            presigned,
            securityToken: securityToken(req, params),
            payload: { kind: 'none' },
          });
        }
      }
    }
  }
  throw new S3Error('SignatureDoesNotMatch', undefined, {
    details: { AWSAccessKeyId: auth.accessKeyId, SignatureProvided: auth.signature },
  });
}

/** The URL-decoded path(s) a COS client may have signed: bucket-stripped first for path-style requests. */
function cosPathnames(req: SignableRequest): string[] {
  const full = req.rawPath === '' ? '/' : percentDecode(req.rawPath);
  if (!req.pathStyleBucket) return [full];
  const prefix = bucketSegment(req.pathStyleBucket);
  if (req.rawPath !== prefix && !req.rawPath.startsWith(prefix + '/')) return [full];
  const stripped = percentDecode(req.rawPath.slice(prefix.length)) || '/';
  return stripped === full ? [full] : [stripped, full];
}
